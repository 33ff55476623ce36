/* runner.c: gpu_test's command line and its processes; the cases are
 * gpu_test.c's (cases.h).
 *
 *   gpu_test [--device N] [--small] [--shard I/N] [--list] [SUBSTRING...]
 *
 * Runs every kernel of the catalog (test/gpu/kernels.c) whose name holds one
 * of the SUBSTRINGs (all without one), after checking the catalog against
 * spec/kernels.txt. --small: emulator-sized shapes (gpu_test.c). --shard
 * I/N runs only the kernels whose catalog index is I modulo N, so that N
 * processes share the kernels (the catalog is checked by shard 0 alone).
 * --list prints the catalog. Closes with "N passed, N failed, N skipped";
 * exits non-zero on any failure, and 0 with a reason when there is no GPU.
 *
 * A kernel that faults (an illegal address) leaves the GPU context unusable,
 * so the tests run in a child process: when it dies, the parent reports the
 * kernel it was testing and starts a new child at the next kernel. A kernel
 * that hangs is killed the same way after CRK_GPU_TEST_TIMEOUT seconds
 * (default 300) of testing it.
 */
#include "candle_rocm_kernels.h"
#include "cases.h"
#include "data_dir.h"
#include "gpu.h"
#include "hostdata.h"
#include "kernels.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define EXIT_LOST 3  /* a child lost its GPU context */

static kernel_desc kernels[KERNEL_COUNT];
static int nkernels;
static int device;
static unsigned kernel_timeout = 300;
static int small; /* --small: emulator-sized shapes */
static int shard, shards = 1;

/* ---- the child: runs kernels from `start`, one progress line each to `fd` ---------------- */

static int selected(const kernel_desc *k, int npat, char **pat) {
  if ((k - kernels) % shards != shard) return 0;
  if (npat == 0) return 1;
  for (int i = 0; i < npat; i++)
    if (strstr(k->name, pat[i])) return 1;
  return 0;
}

static void progress(FILE *to, int idx, case_tally t) {
  fprintf(to, "K %d %d %d %d\n", idx, t.ok, t.fail, t.skip);
  fflush(to);
}

static int child(int start, FILE *to, int npat, char **pat, int first) {
  gpu_info info;
  char why[512];
  int rc = gpu_open(device, &info, why, sizeof why);
  if (rc == 1) {
    fprintf(to, "NOGPU %s\n", why);
    return 0;
  }
  if (rc != 0) {
    fprintf(to, "ERROR cannot open GPU %d: %s\n", device, why);
    return 1;
  }
  crk_module *m = NULL;
  if (crk_module_open(QUANTIZED, QUANTIZED_LEN, &m) != CRK_OK) {
    fprintf(to, "ERROR crk_module_open(QUANTIZED): %s\n", crk_last_error());
    return 1;
  }
  char archs[256] = "";
  crk_module_archs(m, archs, sizeof archs);
  char gwhy[512] = "";
  int nggml = cases_load(gwhy, sizeof gwhy);
  if (first) {
    printf("# device %d: %s (%s), %.1f GiB, L2 %.0f MB, %d multiprocessors; driver %s\n", device,
           info.name, info.arch, info.mem_bytes / 1073741824.0, info.l2_bytes / 1e6,
           info.multiprocessors, info.driver);
    printf("# module QUANTIZED: %zu bytes, archs: %s\n", (size_t)QUANTIZED_LEN, archs);
    if (nggml) printf("# GGML vectors: %d cases\n", nggml);
    if (small) printf("# small shapes (--small): quantize rows per launch and get_rows gy capped at %d\n", host_gy_cap);
    fflush(stdout);
  }
  if (!nggml) {
    fprintf(to, "NODATA %s\n", gwhy);
    fflush(to);
  }
  for (int i = start; i < nkernels; i++) {
    const kernel_desc *k = &kernels[i];
    if (!selected(k, npat, pat)) continue;
    alarm(kernel_timeout); /* a hung kernel: SIGALRM ends this process, the parent goes on */
    progress(to, i, cases_kernel(m, device, k, first && i == start));
    if (gpu_lost()) return EXIT_LOST;
  }
  cases_unload();
  crk_module_close(m);
  return 0;
}

/* ---- the parent: no GPU calls, only processes --------------------------------------------- */

/* The catalog must match the spec's list of names (spec/ is in the
 * repository, so a missing list is a failure, not a skip). */
static int check_catalog(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/spec/kernels.txt", crk_data_dir());
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("FAIL - catalog: cannot open %s (set CRK_DATA to the folder holding spec/)\n", path);
    return 1;
  }
  char name[128];
  int n = 0, bad = 0;
  while (fscanf(f, "%127s", name) == 1) {
    if (n < nkernels && strcmp(name, kernels[n].name) != 0) {
      if (!bad) printf("FAIL - catalog: kernels.txt line %d is %s, the harness has %s\n", n + 1, name, kernels[n].name);
      bad++;
    }
    n++;
  }
  fclose(f);
  if (n != nkernels) {
    printf("FAIL - catalog: kernels.txt names %d kernels, the harness %d\n", n, nkernels);
    bad++;
  }
  if (!bad) printf("ok - catalog: the harness's %d names are kernels.txt's, in order\n", nkernels);
  return bad ? 1 : 0;
}

int main(int argc, char **argv) {
  int npat = 0, list = 0;
  char **pat = xmalloc((size_t)argc * sizeof *pat);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) device = atoi(argv[++i]);
    else if (strcmp(argv[i], "--list") == 0) list = 1;
    else if (strcmp(argv[i], "--small") == 0) small = 1;
    else if (strcmp(argv[i], "--shard") == 0 && i + 1 < argc) {
      if (sscanf(argv[++i], "%d/%d", &shard, &shards) != 2 || shards < 1 || shard < 0 || shard >= shards) {
        fprintf(stderr, "gpu_test: --shard takes I/N with 0 <= I < N, not %s\n", argv[i]);
        return 2;
      }
    }
    else pat[npat++] = argv[i];
  }
  const char *to = getenv("CRK_GPU_TEST_TIMEOUT");
  if (to && atoi(to) > 0) kernel_timeout = (unsigned)atoi(to);
  cases_setup(small);
  nkernels = kernel_catalog(kernels);
  if (list) {
    for (int i = 0; i < nkernels; i++) printf("%s\t%s\t%s\n", kernels[i].name, family_name(kernels[i].family), type_name(kernels[i].type));
    return 0;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  int pass = 0, fail = shard == 0 ? check_catalog() : 0, skip = 0, start = 0, first = 1, nodata_said = 0;
  pass += shard == 0 && !fail;
  while (start < nkernels) {
    int fds[2];
    if (pipe(fds) != 0) { perror("pipe"); return 1; }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
#ifdef __linux__
      prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the parent, even hung in a kernel */
#endif
      close(fds[0]);
      FILE *to = fdopen(fds[1], "w");
      int rc = child(start, to, npat, pat, first);
      fclose(to);
      fflush(stdout);
      _exit(rc);
    }
    close(fds[1]);
    FILE *from = fdopen(fds[0], "r");
    char msg[1024];
    int last = start - 1, nogpu = 0;
    while (fgets(msg, sizeof msg, from)) {
      int idx, o, f, s;
      if (sscanf(msg, "K %d %d %d %d", &idx, &o, &f, &s) == 4) {
        last = idx, pass += o, fail += f, skip += s;
      } else if (strncmp(msg, "NOGPU ", 6) == 0) {
        printf("no GPU found: %s", msg + 6);
        nogpu = 1;
      } else if (strncmp(msg, "NODATA ", 7) == 0) {
        if (!nodata_said) printf("FAIL - testdata: %s", msg + 7), fail++;
        nodata_said = 1;
      } else if (strncmp(msg, "ERROR ", 6) == 0) {
        printf("FAIL - harness: %s", msg + 6);
        fail++;
      }
    }
    fclose(from);
    int status = 0;
    waitpid(pid, &status, 0);
    if (nogpu) {
      printf("nothing run: %d kernels not tested on a GPU\n", nkernels);
      return fail ? 1 : 0;
    }
    first = 0;
    int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (clean) break;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1) break; /* setup failed: reported */
    /* The child lost its context or died: the kernel after `last` is to blame
     * unless it finished that kernel itself (EXIT_LOST after its progress line). */
    int culprit = last + 1;
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_LOST)) {
      while (culprit < nkernels && !selected(&kernels[culprit], npat, pat)) culprit++;
      if (culprit >= nkernels) break;
      if (WIFSIGNALED(status))
        printf("FAIL - %s: the test process died of signal %d (%s) while testing it\n",
               kernels[culprit].name, WTERMSIG(status), strsignal(WTERMSIG(status)));
      else
        printf("FAIL - %s: the test process exited with status %d while testing it\n",
               kernels[culprit].name, WEXITSTATUS(status));
      fail++;
      last = culprit;
    } else {
      printf("# the GPU context was lost after %s: continuing in a new process\n", kernels[last].name);
    }
    start = last + 1;
  }
  printf("%d passed, %d failed, %d skipped\n", pass, fail, skip);
  free(pat);
  return fail ? 1 : 0;
}
