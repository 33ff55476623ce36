//! candle's QUANTIZED GPU kernels for AMD GPUs, as one embedded offload bundle.
//!
//! [`QUANTIZED`] is the module candle's quantized matmuls load: a clang
//! offload bundle holding one AMDGPU code object per arch ([`ARCHS`]), each
//! with every kernel of the module ([`KERNELS`]), the names and arguments of
//! candle-kernels' CUDA `QUANTIZED` module. It is built by this repository's
//! Makefile when the crate builds (see README.md for the variables), and
//! embedded with `include_bytes!`, so it is a true constant.
//!
//! A ROCm backend uses it the way candle's CUDA backend uses
//! `candle_kernels::QUANTIZED`:
//!
//! ```text
//! // Cargo.toml: candle-rocm-kernels = { path = ".../rust/candle-rocm-kernels" }
//! let module = rocm_rs::hip::Module::load_data(candle_rocm_kernels::QUANTIZED.hsaco())?; // once per device, cached by QUANTIZED.index()
//! let func = module.get_function("quantize_q8_1")?;
//! ```
//!
//! `hipModuleLoadData` picks the code object of the current device from the
//! bundle itself; [`Module::pick`] and [`Module::code_object`] tell
//! beforehand whether the bundle has one for a device (by the C loader's
//! rule), for an error that names the arch.

// Public for build.rs's readers and their tests (build/), not part of the
// crate's API: use QUANTIZED.pick.
#[doc(hidden)]
pub mod target;

pub use target::Match;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/quantized.rs"));
}

/// Which module of this crate a [`Module`] is; there is one, QUANTIZED.
/// (candle-kernels numbers its modules the same way, so a backend can keep
/// one cache slot per module: `[Option<_>; ALL_IDS.len()]`.)
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Id {
    Quantized,
}

/// Every module id, in [`Module::index`] order.
pub const ALL_IDS: [Id; 1] = [Id::Quantized];

/// A module of GPU kernels: its bytes (an offload bundle, ready for
/// `hipModuleLoadData`) and what they hold.
///
/// Why a type and not `pub const QUANTIZED: &[u8]`: this is the shape of
/// candle-kernels' `Module` (an `index()` for the per-device module cache, the
/// code behind an accessor), so candle's ROCm backend can mirror the CUDA
/// `get_or_load_func(name, &kernels::QUANTIZED)` line for line, with
/// `hsaco()` where CUDA has `ptx()`. It also carries the kernel and arch
/// lists, and still derefs to the bytes through `AsRef<[u8]>`.
///
/// ```
/// use candle_rocm_kernels::{ALL_IDS, QUANTIZED};
/// assert!(QUANTIZED.has_kernel("quantize_q8_1"));
/// assert!(QUANTIZED.index() < ALL_IDS.len());
/// // An offload bundle, for hipModuleLoadData, page-aligned.
/// assert!(QUANTIZED.hsaco().starts_with(b"__CLANG_OFFLOAD_BUNDLE__"));
/// assert_eq!(QUANTIZED.hsaco().as_ptr() as usize % 4096, 0);
/// // A true constant: usable in const items of other crates.
/// const BYTES: &[u8] = QUANTIZED.hsaco();
/// assert_eq!(BYTES.as_ptr(), QUANTIZED.hsaco().as_ptr());
/// ```
pub struct Module {
    index: usize,
    hsaco: &'static [u8],
    archs: &'static [&'static str],
    code_objects: &'static [(&'static str, usize, usize)],
    kernels: &'static [&'static str],
    generic_targets: &'static [(&'static str, &'static str)],
}

impl Module {
    /// The module's slot in [`ALL_IDS`].
    pub const fn index(&self) -> usize {
        self.index
    }

    /// The offload bundle, to pass to `hipModuleLoadData`. It starts on a
    /// 4096-byte boundary, like the C library's `QUANTIZED`, so the code
    /// objects inside (which the bundler places at multiples of 4096) are
    /// page-aligned in memory too: a loader may map or read them in place.
    pub const fn hsaco(&self) -> &'static [u8] {
        self.hsaco
    }

    /// The target IDs of the code objects in the bundle ("gfx90a",
    /// "gfx1100", ...), in bundle order.
    pub const fn archs(&self) -> &'static [&'static str] {
        self.archs
    }

    /// The names of the module's kernels, sorted. Every code object in the
    /// bundle holds every one of them (the build checks).
    pub const fn kernels(&self) -> &'static [&'static str] {
        self.kernels
    }

    /// True when the module has a kernel of that name.
    pub fn has_kernel(&self, name: &str) -> bool {
        self.kernels.binary_search(&name).is_ok()
    }

    /// Which code object a device gets, given its arch as the runtime
    /// reports it (`hipDeviceProp_t::gcnArchName`, e.g.
    /// "gfx90a:sramecc+:xnack-"): its target ID and the rule that chose it,
    /// by the C loader's rule (format/target_pick.c), with the generic targets
    /// of its processor table (format/amdgpu_processors.def), without its opt-in ISA
    /// fallback. Exact first: the device's processor, every feature the
    /// code object pins equal to the device's, the most pinned first; else
    /// the generic target of the device's family. None when nothing fits
    /// (or the name is not a target ID).
    ///
    /// ```
    /// use candle_rocm_kernels::{Match, QUANTIZED};
    /// let arch = QUANTIZED.archs()[0];
    /// assert_eq!(QUANTIZED.pick(arch), Some((arch, Match::Exact)));
    /// assert_eq!(QUANTIZED.pick("gfx9999"), None);
    /// ```
    pub fn pick(&self, device_arch: &str) -> Option<(&'static str, Match)> {
        let targets = self.code_objects.iter().map(|&(target, _, _)| target);
        let (i, how) = target::pick(targets, device_arch, self.generic_targets)?;
        Some((self.code_objects.get(i)?.0, how))
    }

    /// The bytes of the code object [`Module::pick`] chooses for a device.
    pub fn code_object(&self, device_arch: &str) -> Option<&'static [u8]> {
        let targets = self.code_objects.iter().map(|&(target, _, _)| target);
        let (i, _) = target::pick(targets, device_arch, self.generic_targets)?;
        let &(_, offset, size) = self.code_objects.get(i)?;
        self.hsaco.get(offset..offset.checked_add(size)?)
    }
}

impl AsRef<[u8]> for Module {
    fn as_ref(&self) -> &[u8] {
        self.hsaco
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("index", &self.index)
            .field("bytes", &self.hsaco.len())
            .field("archs", &self.archs)
            .field("kernels", &self.kernels.len())
            .finish()
    }
}

/// Page alignment for the embedded bundle: `include_bytes!` alone gives
/// alignment 1. The zero-length array of `Page` costs no bytes and raises
/// the struct's alignment to 4096.
#[repr(align(4096))]
struct Page;

#[repr(C)]
struct PageAligned<T> {
    _align: [Page; 0],
    bytes: T,
}

/// One copy of the bundle, in a static: the const below points at it, so
/// every use of QUANTIZED, in any crate, shares these bytes.
static BUNDLE: PageAligned<[u8; generated::BUNDLE_LEN]> =
    PageAligned { _align: [], bytes: *include_bytes!(concat!(env!("OUT_DIR"), "/quantized.hsaco")) };

/// The QUANTIZED module: candle's quantized kernels (quantize_q8_1, the
/// dequantizers, the q8_1 mat-vec and matmul kernels, ...) for every arch in
/// [`ARCHS`].
pub const QUANTIZED: Module = Module {
    index: Id::Quantized as usize,
    hsaco: &BUNDLE.bytes,
    archs: generated::ARCHS,
    code_objects: generated::CODE_OBJECTS,
    kernels: generated::KERNELS,
    generic_targets: generated::GENERIC_TARGETS,
};

/// The names of the kernels in [`QUANTIZED`], sorted, from the manifest
/// make wrote beside the bundle (spec/kernels.txt's names, which make test
/// checks every code object defines).
pub const KERNELS: &[&str] = generated::KERNELS;

/// The target IDs the [`QUANTIZED`] bundle holds code for, in bundle order.
pub const ARCHS: &[&str] = generated::ARCHS;
