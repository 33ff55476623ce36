/* test_dump_fixture.hip: a HIP translation unit whose host object carries
 * a .hip_fatbin section, for crk-dump's host-ELF tests. It is built without
 * HIP headers (-nogpuinc), so it needs no ROCm: the host stub clang emits
 * only needs hipLaunchKernel declared. */
#define __global__ __attribute__((global))
typedef struct { unsigned x, y, z; } dim3;
extern "C" int hipLaunchKernel(const void *, dim3, dim3, void **, unsigned long, void *);

extern "C" __global__ void crk_fixture_kernel(int *p, int v) { *p = v; }

/* Three arguments of three sizes, and a workgroup bound of 128. */
extern "C" __global__ void __attribute__((amdgpu_flat_work_group_size(1, 128)))
crk_fixture_wide(long long *p, double v, char c) { *p = (long long)v + c; }
