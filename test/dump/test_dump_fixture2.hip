/* test_dump_fixture2.hip: a second translation unit, linked with
 * test_dump_fixture.hip into one code object that carries two metadata
 * notes (one per relocatable object), as the project's own per-arch code
 * objects do. */
#define __global__ __attribute__((global))

extern "C" __global__ void __attribute__((amdgpu_flat_work_group_size(1, 64)))
crk_fixture_second(float *out, const float *in, int n) {
  if (n > 0) out[0] = in[n - 1];
}
