/* emu_module.c: see emu_module.h. */
#include "emu_module.h"

#include "elf_view.h"
#include "target_pick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHT_SYMTAB 2
#define SHT_DYNSYM 11
#define SHF_ALLOC 2
#define KD_SIZE 64

static uint64_t rd(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* The length of a code object handed over without one: its section table
 * ends it (ld.lld writes it last) unless a section's bytes run further. */
static size_t elf_extent(const unsigned char *p) {
  uint64_t shoff = rd(p + 40, 8), shnum = rd(p + 60, 2), shentsize = rd(p + 58, 2);
  uint64_t end = shoff + shnum * shentsize;
  for (uint64_t i = 0; i < shnum; i++) {
    const unsigned char *s = p + shoff + i * shentsize;
    uint64_t type = rd(s + 4, 4), off = rd(s + 24, 8), size = rd(s + 32, 8);
    if (type != 8 /* NOBITS */ && off + size > end) end = off + size;
  }
  return (size_t)end;
}

/* The bundle entry the HIP runtime would load on `dev`: a compatible target
 * ID, the one that pins the most features first. */
static int pick_entry(const unsigned char *p, const crk_target_id *dev, const unsigned char **obj,
                      size_t *objlen, char *err, size_t errlen) {
  size_t count = 0;
  /* The bundle's length is unknown here, as it is to the runtime: bound the
   * header by what its own entries say. */
  if (crk_bundle_parse(p, (size_t)1 << 40, NULL, 0, &count, err, errlen) != 0) return EMU_LOAD_BAD_IMAGE;
  crk_bundle_entry *e = calloc(count ? count : 1, sizeof *e);
  if (!e) return EMU_LOAD_NO_MEMORY;
  crk_bundle_parse(p, (size_t)1 << 40, e, count, &count, err, errlen);
  int best = -1, best_score = -1;
  for (size_t i = 0; i < count; i++) {
    const char *kind, *target;
    size_t kind_len, target_len;
    crk_target_id tid;
    if (crk_bundle_id_split(e[i].id, e[i].id_len, &kind, &kind_len, &target, &target_len) != 0 ||
        !(kind_len >= 3 && memcmp(kind, "hip", 3) == 0) ||
        crk_target_id_parse(target, target_len, &tid) != 0 || !crk_target_id_compatible(&tid, dev))
      continue;
    int score = (tid.xnack != CRK_FEATURE_ANY) + (tid.sramecc != CRK_FEATURE_ANY);
    if (score > best_score) best = (int)i, best_score = score;
  }
  if (best >= 0) {
    *obj = p + e[best].offset;
    *objlen = (size_t)e[best].size;
  }
  free(e);
  if (best < 0) {
    snprintf(err, errlen, "the bundle holds no code object for %s", dev->processor);
    return EMU_LOAD_NO_BINARY;
  }
  return EMU_LOAD_OK;
}

/* Copies every allocated section to image + its address. */
static int lay_out(emu_module *m, const crk_elf_view *e, char *err, size_t errlen) {
  uint64_t top = 0;
  for (uint32_t i = 1; i < e->shnum; i++) {
    crk_elf_view_shdr sh;
    if (crk_elf_view_section(e, i, &sh, err, errlen) != 0) return EMU_LOAD_BAD_IMAGE;
    if ((sh.flags & SHF_ALLOC) && sh.addr + sh.size > top) top = sh.addr + sh.size;
  }
  if (top == 0 || top > ((uint64_t)1 << 32)) {
    snprintf(err, errlen, "code object's sections span %llu bytes", (unsigned long long)top);
    return EMU_LOAD_BAD_IMAGE;
  }
  m->image_size = (size_t)top;
  /* Code is 256-byte aligned in the file's address space; keep it so. */
  if (posix_memalign((void **)&m->image, 4096, m->image_size) != 0) {
    snprintf(err, errlen, "no host memory for the %zu-byte image", m->image_size);
    return EMU_LOAD_NO_MEMORY;
  }
  memset(m->image, 0, m->image_size);
  for (uint32_t i = 1; i < e->shnum; i++) {
    crk_elf_view_shdr sh;
    crk_elf_view_section(e, i, &sh, err, errlen);
    if ((sh.flags & SHF_ALLOC) && sh.type != CRK_SHT_NOBITS)
      memcpy(m->image + sh.addr, e->data + sh.offset, (size_t)sh.size);
  }
  return EMU_LOAD_OK;
}

/* Finds every kernel's descriptor through the symbol table. */
static int index_kernels(emu_module *m, const crk_elf_view *e, char *err, size_t errlen) {
  m->nkernels = m->co.nkernels;
  m->kernels = calloc(m->nkernels ? m->nkernels : 1, sizeof *m->kernels);
  if (!m->kernels) return EMU_LOAD_NO_MEMORY;
  for (size_t k = 0; k < m->nkernels; k++) m->kernels[k].md = &m->co.kernels[k];
  size_t found = 0;
  for (uint32_t i = 1; i < e->shnum; i++) {
    crk_elf_view_shdr sh, str;
    crk_elf_view_section(e, i, &sh, err, errlen);
    if ((sh.type != SHT_SYMTAB && sh.type != SHT_DYNSYM) || sh.entsize < 24) continue;
    if (crk_elf_view_section(e, sh.link, &str, err, errlen) != 0) return EMU_LOAD_BAD_IMAGE;
    for (uint64_t s = 0; s + sh.entsize <= sh.size; s += sh.entsize) {
      const unsigned char *sym = e->data + sh.offset + s;
      uint64_t name = rd(sym, 4), value = rd(sym + 8, 8);
      if (name >= str.size) continue;
      const char *n = (const char *)e->data + str.offset + name;
      size_t nl = strnlen(n, (size_t)(str.size - name));
      if (nl < 4 || strcmp(n + nl - 3, ".kd") != 0) continue;
      for (size_t k = 0; k < m->nkernels; k++) {
        emu_kernel *ek = &m->kernels[k];
        const char *want = ek->md->symbol ? ek->md->symbol : NULL;
        if (ek->kd || !want || strcmp(want, n) != 0) continue;
        if (value + KD_SIZE > m->image_size) {
          snprintf(err, errlen, "%s lies outside the loaded image", n);
          return EMU_LOAD_BAD_IMAGE;
        }
        const unsigned char *kd = m->image + value;
        ek->kd = kd;
        ek->lds = (uint32_t)rd(kd, 4);
        ek->scratch = (uint32_t)rd(kd + 4, 4);
        ek->entry = (uint64_t)(uintptr_t)kd + (uint64_t)(int64_t)rd(kd + 16, 8);
        ek->rsrc3 = (uint32_t)rd(kd + 44, 4);
        ek->rsrc1 = (uint32_t)rd(kd + 48, 4);
        ek->rsrc2 = (uint32_t)rd(kd + 52, 4);
        ek->properties = (uint16_t)rd(kd + 56, 2);
        found++;
      }
    }
  }
  if (found != m->nkernels) {
    snprintf(err, errlen, "%zu of %zu kernels have no descriptor symbol", m->nkernels - found, m->nkernels);
    return EMU_LOAD_BAD_IMAGE;
  }
  return EMU_LOAD_OK;
}

int emu_module_load(emu_module *m, const void *image, const crk_target_id *dev, char *err,
                    size_t errlen) {
  memset(m, 0, sizeof *m);
  const unsigned char *obj = image;
  size_t objlen = 0;
  int rc;
  if (crk_is_bundle(image, CRK_BUNDLE_MAGIC_LEN)) {
    if ((rc = pick_entry(image, dev, &obj, &objlen, err, errlen)) != EMU_LOAD_OK) return rc;
  } else if (crk_is_amdgpu_elf(image, 64)) {
    objlen = elf_extent(image);
  } else {
    snprintf(err, errlen, "neither an offload bundle nor an AMDGPU code object");
    return EMU_LOAD_BAD_IMAGE;
  }
  if (crk_codeobj_parse(&m->co, obj, objlen, 0, err, errlen) != 0) return EMU_LOAD_BAD_IMAGE;
  crk_target_id have;
  if (crk_target_id_parse(m->co.target_id, strlen(m->co.target_id), &have) != 0 ||
      !crk_target_id_compatible(&have, dev)) {
    snprintf(err, errlen, "code object for %s does not run on %s", m->co.target_id, dev->processor);
    emu_module_free(m);
    return EMU_LOAD_NO_BINARY;
  }
  crk_elf_view e;
  if (crk_elf_view_open(&e, obj, objlen, err, errlen) != 0) rc = EMU_LOAD_BAD_IMAGE;
  else if ((rc = lay_out(m, &e, err, errlen)) == EMU_LOAD_OK) rc = index_kernels(m, &e, err, errlen);
  if (rc != EMU_LOAD_OK) emu_module_free(m);
  return rc;
}

void emu_module_free(emu_module *m) {
  crk_codeobj_free(&m->co);
  free(m->image);
  free(m->kernels);
  memset(m, 0, sizeof *m);
}

const emu_kernel *emu_module_find(const emu_module *m, const char *name) {
  for (size_t k = 0; k < m->nkernels; k++)
    if (strcmp(m->kernels[k].md->name, name) == 0) return &m->kernels[k];
  return NULL;
}
