// The standard headers of the free-space kernel copies (stack_kernel_*.cpp). Each copy includes
// this before its target pragma, so that these templates keep the default target and are shared
// by all copies.
#pragma once
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>
