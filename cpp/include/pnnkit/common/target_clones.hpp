// PNNKIT_TARGET_CLONES: compile a simple loop (a copy, a scan) for AVX-512, AVX2 and the baseline
// and let the loader pick one (GCC function multi-versioning, ifunc). Only where GCC targets x86
// on an ELF system; elsewhere the function is compiled once for the baseline.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__)) && defined(__ELF__)
#define PNNKIT_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PNNKIT_TARGET_CLONES
#endif
