/* diagnose.c: see diagnose.h. */
#include "diagnose.h"

#include "error.h"

#include <stdio.h>
#include <string.h>

crk_status crk_diagnose_arch_missing(const crk_ldr_blob *info, const char *name, const char *who,
                                     const char *arch, int isa_fallback) {
  char archs[1024], hint[512] = "";
  crk_ldr_blob_targets(info, archs, sizeof archs);
  crk_target_id tid;
  int parsed = crk_target_id_parse(arch, strlen(arch), &tid) == 0;
  const char *proc = parsed ? tid.processor : arch;
  int amd = crk_ldr_blob_platform(info->kind) == CRK_PLATFORM_AMD;
  int near = amd && parsed && !isa_fallback ? crk_ldr_blob_pick(info, &tid, 1, NULL) : -1;
  if (near >= 0)
    snprintf(hint, sizeof hint,
             "; nearest compatible: %s (same family and instructions), which loads with "
             "CRK_ISA_FALLBACK=1 or crk_set_isa_fallback(1)",
             info->targets[near].target);
  const char *generic = amd ? crk_generic_target_of(proc) : NULL;
  return crk_fail(CRK_ERR_ARCH_MISSING, "%s is %s, but module %s holds code only for: %s%s (rebuild with ARCH including %s%s%s)",
                  who, arch, name, archs, hint, proc, generic ? " or its family's generic target " : "",
                  generic ? generic : "");
}

/* " where the device has xnack-" and the like: what a code object's e_flags
 * pin that the device's target ID says otherwise, or "" (appended to out). */
static void feature_clash(char *out, size_t n, const char *name, int obj, int dev) {
  if (obj == CRK_FEATURE_ANY || obj == dev) return;
  size_t at = strlen(out);
  snprintf(out + at, n - at, "%s %s%c where the device has %s%s", at ? "," : ":", name, obj == CRK_FEATURE_ON ? '+' : '-',
           name, dev == CRK_FEATURE_ON ? "+" : dev == CRK_FEATURE_OFF ? "-" : " unspecified");
}

/* The blob does list the device's arch, so say what else differs (the
 * features the object's e_flags pin, which its bundle entry id may not
 * name) or that the runtime refused it as is. */
crk_status crk_diagnose_runtime_refused(const char *name, int device, const char *arch,
                                        const crk_target_id *dev, const crk_ldr_blob_target *t,
                                        const char *runtime_err) {
  char flags_target[CRK_TARGET_MAX] = "unknown", diff[256] = "", version[32] = "unknown version";
  crk_flags_target flags;
  /* The code object passed the vetting (format/blob_open.c): its header is whole. */
  int known = crk_flags_target_of_elf(t->image, t->size, &flags) == 0;
  if (flags.co_version > 0) snprintf(version, sizeof version, "v%d", flags.co_version);
  if (known) {
    snprintf(flags_target, sizeof flags_target, "%s", flags.text);
    feature_clash(diff, sizeof diff, "sramecc", flags.tid.sramecc, dev->sramecc);
    feature_clash(diff, sizeof diff, "xnack", flags.tid.xnack, dev->xnack);
  }
  if (diff[0])
    return crk_fail(CRK_ERR_ARCH_MISSING,
                    "device %d is %s; module %s holds a %s code object (code object %s), but its e_flags pin "
                    "%s%s; the runtime refused it (%s)",
                    device, arch, name, t->target, version, flags_target, diff, runtime_err);
  return crk_fail(CRK_ERR_ARCH_MISSING,
                  "device %d is %s; module %s holds a %s code object (e_flags %s, code object %s) and neither "
                  "processor nor features differ, yet the runtime refused it (%s): a runtime that does not load "
                  "code object %s does that (the build's CODE_OBJECT_VERSION sets it)",
                  device, arch, name, t->target, flags_target, version, runtime_err, version);
}
