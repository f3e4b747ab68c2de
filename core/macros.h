// TG_HD marks per-element functions that both backends call: host code on the CPU,
// host+device under nvcc. Keep this header free of any library include so .cu files can use it.
#pragma once

#if defined(__CUDACC__)
#define TG_HD __host__ __device__ __forceinline__
#else
#define TG_HD inline
#endif
