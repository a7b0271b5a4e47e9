"""Which training method needs what from the physics: the method x substrate compatibility matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..substrate import CAPABILITIES


@dataclass(frozen=True)
class MethodInfo:
    """A training method's declaration: name, required capabilities, substrates with a job, summary."""

    name: str
    requires: frozenset[str]
    substrates: tuple[str, ...] = field(default_factory=tuple)
    summary: str = ""


METHODS: dict[str, MethodInfo] = {}


def register_method(name: str, *, requires: set[str] | frozenset[str] | tuple[str, ...],
                    substrates: tuple[str, ...] = (), summary: str = "") -> MethodInfo:
    """Declare a method; ``requires`` is a subset of the capabilities (plus ``"forward"``)."""
    req = frozenset(requires)
    unknown = req - CAPABILITIES - {"forward"}
    if unknown:
        raise ValueError(f"method {name!r} requires unknown capabilities {sorted(unknown)}")
    prev = METHODS.get(name)
    subs = tuple(dict.fromkeys((prev.substrates if prev else ()) + tuple(substrates)))
    info = MethodInfo(name, req, subs, summary or (prev.summary if prev else ""))
    METHODS[name] = info
    return info


# The methods of the field and what each needs (see DESIGN.md section 3).
register_method("backprop", requires=set(), summary="digital baseline: backprop on a digital model")
register_method("digital", requires=set(), summary="digital baseline of the same architecture")
register_method("insilico", requires={"twin"}, summary="train the ideal twin, deploy to the physical model")
register_method("hwa", requires={"twin", "forward"},
                summary="hardware-aware training: noisy physical forward, twin vjp, weight clipping")
register_method("pat", requires={"twin", "forward"},
                summary="physics-aware training: physical forward, twin vjp at measured activations")
register_method("insitu", requires={"adjoint"}, summary="in-situ backprop via physical adjoint measurements")
register_method("ep", requires={"energy"}, summary="equilibrium propagation (two nudged equilibria)")
register_method("ep-centered", requires={"energy"}, summary="equilibrium propagation with centered ±beta nudging")
register_method("coupled-learning", requires={"energy"}, summary="coupled learning (free/clamped states)")
register_method("coupled-learning-sign", requires={"energy"},
                summary="sign-only twin-network coupled learning (Dillavou 2022)")
register_method("analog-sgd", requires={"pulsed_update"}, summary="analog SGD with stochastic pulsed updates")
register_method("tiki-taka", requires={"pulsed_update"}, summary="Tiki-Taka: fast/slow arrays with transfer")
register_method("ttv2", requires={"pulsed_update"}, summary="Tiki-Taka v2: digital buffer with threshold")
register_method("chopped-ttv2", requires={"pulsed_update"}, summary="chopped Tiki-Taka v2")
register_method("mixed-precision", requires={"pulsed_update"},
                summary="digital gradient accumulation, transfer of whole pulses")
