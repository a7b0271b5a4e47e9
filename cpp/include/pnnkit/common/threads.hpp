// Thread control for every OpenMP kernel of pnnkit.
// Kernels take the thread count explicitly (num_threads clause) so that the core is
// re-entrant; the process-wide default below is what the Python layer passes.
#pragma once

namespace pnnkit {

// Set the default number of threads for pnnkit kernels (n >= 1).
void set_num_threads(int n);
// Default number of threads (1 when built without OpenMP).
int get_num_threads();
// True when the core was compiled with OpenMP.
bool has_openmp();

}  // namespace pnnkit
