"""Equilibrium substrates: Hopfield-type energy networks, linear and diode resistor networks."""
