//! hip.rs: the few HIP runtime calls the example makes, bound by hand.
//!
//! The runtime (libamdhip64) is opened at run time with dlopen, not linked:
//! so `cargo test`, which builds the examples, needs no ROCm package, and
//! the same binary runs on ROCm 5, 6 and 7 (whose libamdhip64 have different
//! sonames) and on the project's stand-in runtime over the ISA emulator
//! (test/emu/hip_emu.c, found through LD_LIBRARY_PATH). Only the C ABI is
//! used: int error codes, opaque handles, and the one struct read,
//! hipDeviceProp_t, of which only gcnArchName is taken (its offset in both
//! layouts the runtimes use, as lib/backend_hip.c reads it).

use std::ffi::{c_char, c_int, c_uint, c_void, CStr, CString};

extern "C" {
    // glibc's libc.so.6 has these since 2.34, so std's link line suffices.
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}
const RTLD_NOW: c_int = 2;
/// Its dependencies' symbols visible to what it loads in turn, as when
/// linked: the stand-in runtime embeds Python, whose extension modules need
/// libpython's symbols.
const RTLD_GLOBAL: c_int = 0x100;

type HipError = c_int;
const HIP_SUCCESS: HipError = 0;
const HIP_MEMCPY_HOST_TO_DEVICE: c_int = 1;
const HIP_MEMCPY_DEVICE_TO_HOST: c_int = 2;

/// gcnArchName (char[256]) in hipDeviceProp_t: at byte 396 of the layout
/// hipGetDeviceProperties fills (ROCm 5), at byte 1160 of the one
/// hipGetDevicePropertiesR0600 fills (ROCm 6 and later, 1472 bytes).
const ARCH_NAME_R0000: usize = 396;
const ARCH_NAME_R0600: usize = 1160;
const ARCH_NAME_LEN: usize = 256;
/// More than either layout needs.
const PROPS_BYTES: usize = 8192;

/// The runtime's entry points, resolved once.
pub struct Hip {
    lib_name: String,
    arch_offset: usize,
    init: unsafe extern "C" fn(c_uint) -> HipError,
    get_device: unsafe extern "C" fn(*mut c_int) -> HipError,
    get_device_properties: unsafe extern "C" fn(*mut c_void, c_int) -> HipError,
    malloc: unsafe extern "C" fn(*mut *mut c_void, usize) -> HipError,
    free: unsafe extern "C" fn(*mut c_void) -> HipError,
    memcpy: unsafe extern "C" fn(*mut c_void, *const c_void, usize, c_int) -> HipError,
    module_load_data: unsafe extern "C" fn(*mut *mut c_void, *const c_void) -> HipError,
    module_get_function: unsafe extern "C" fn(*mut *mut c_void, *mut c_void, *const c_char) -> HipError,
    #[allow(clippy::type_complexity)]
    module_launch_kernel: unsafe extern "C" fn(
        *mut c_void,
        c_uint,
        c_uint,
        c_uint,
        c_uint,
        c_uint,
        c_uint,
        c_uint,
        *mut c_void,
        *mut *mut c_void,
        *mut *mut c_void,
    ) -> HipError,
    device_synchronize: unsafe extern "C" fn() -> HipError,
    get_error_string: unsafe extern "C" fn(HipError) -> *const c_char,
}

/// A launch shape: grid and workgroup (HIP's block), as cudarc's LaunchConfig.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    pub grid: (u32, u32, u32),
    pub block: (u32, u32, u32),
}

/// One kernel argument, by value.
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    Ptr(*mut c_void),
    I32(i32),
}

/// Device memory, freed on drop.
pub struct DeviceBuffer<'h> {
    hip: &'h Hip,
    ptr: *mut c_void,
    bytes: usize,
}

impl DeviceBuffer<'_> {
    pub fn arg(&self) -> Arg {
        Arg::Ptr(self.ptr)
    }
}

impl Drop for DeviceBuffer<'_> {
    fn drop(&mut self) {
        // SAFETY: ptr came from hipMalloc and is freed once.
        unsafe { (self.hip.free)(self.ptr) };
    }
}

/// A loaded module (never unloaded: the process ends first, as a backend
/// keeps its modules for the device's lifetime).
pub struct Module(*mut c_void);
/// A kernel of a module.
#[derive(Clone, Copy)]
pub struct Function(*mut c_void);

/// A symbol's address as the function pointer type `F`.
///
/// # Safety
/// `F` must be the `unsafe extern "C" fn` type of the symbol's C signature.
unsafe fn as_fn<F: Copy>(p: *mut c_void) -> F {
    assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>(), "a function pointer");
    std::mem::transmute_copy(&p)
}

impl Hip {
    /// Opens libamdhip64: the dynamic linker's search first (LD_LIBRARY_PATH,
    /// the ld.so cache), newest soname first, then $ROCM_PATH/lib (default
    /// /opt/rocm).
    pub fn open() -> Result<Hip, String> {
        let rocm = std::env::var("ROCM_PATH").ok().filter(|p| !p.is_empty()).unwrap_or("/opt/rocm".into());
        let mut names: Vec<String> =
            ["libamdhip64.so", "libamdhip64.so.7", "libamdhip64.so.6", "libamdhip64.so.5"]
                .map(String::from)
                .into();
        names.push(format!("{rocm}/lib/libamdhip64.so"));
        for name in &names {
            let c = CString::new(name.as_str()).map_err(|_| format!("bad library path {name:?}"))?;
            // SAFETY: a NUL-terminated path; the handle is kept for the process.
            let lib = unsafe { dlopen(c.as_ptr(), RTLD_NOW | RTLD_GLOBAL) };
            if !lib.is_null() {
                return Self::resolve(lib, name);
            }
        }
        Err(format!(
            "no HIP runtime: cannot load libamdhip64 (tried {}); install ROCm or libamdhip64",
            names.join(", ")
        ))
    }

    fn resolve(lib: *mut c_void, lib_name: &str) -> Result<Hip, String> {
        let sym = |name: &str| -> Result<*mut c_void, String> {
            let c = CString::new(name).expect("symbol names have no NUL");
            // SAFETY: lib is a live handle, c a NUL-terminated name.
            let p = unsafe { dlsym(lib, c.as_ptr()) };
            if p.is_null() {
                Err(format!("HIP runtime {lib_name} lacks {name}: not a usable libamdhip64"))
            } else {
                Ok(p)
            }
        };
        let (props, arch_offset) = match sym("hipGetDevicePropertiesR0600") {
            Ok(p) => (p, ARCH_NAME_R0600),
            Err(_) => (sym("hipGetDeviceProperties")?, ARCH_NAME_R0000),
        };
        // SAFETY: each symbol is the HIP function of that name, whose C
        // signature is the field's type.
        unsafe {
            Ok(Hip {
                lib_name: lib_name.to_owned(),
                arch_offset,
                init: as_fn(sym("hipInit")?),
                get_device: as_fn(sym("hipGetDevice")?),
                get_device_properties: as_fn(props),
                malloc: as_fn(sym("hipMalloc")?),
                free: as_fn(sym("hipFree")?),
                memcpy: as_fn(sym("hipMemcpy")?),
                module_load_data: as_fn(sym("hipModuleLoadData")?),
                module_get_function: as_fn(sym("hipModuleGetFunction")?),
                module_launch_kernel: as_fn(sym("hipModuleLaunchKernel")?),
                device_synchronize: as_fn(sym("hipDeviceSynchronize")?),
                get_error_string: as_fn(sym("hipGetErrorString")?),
            })
        }
    }

    pub fn lib_name(&self) -> &str {
        &self.lib_name
    }

    fn check(&self, e: HipError, what: &str) -> Result<(), String> {
        if e == HIP_SUCCESS {
            return Ok(());
        }
        // SAFETY: hipGetErrorString returns a static string (or NULL).
        let text = unsafe { (self.get_error_string)(e) };
        let text = if text.is_null() {
            "unknown error".into()
        } else {
            unsafe { CStr::from_ptr(text) }.to_string_lossy().escape_debug().to_string()
        };
        Err(format!("{what}: {text} (hipError {e})"))
    }

    /// hipInit, then the current device.
    pub fn init(&self) -> Result<i32, String> {
        // SAFETY: plain calls with valid out-pointers.
        self.check(unsafe { (self.init)(0) }, &format!("hipInit ({}): no usable AMD GPU?", self.lib_name))?;
        let mut device: c_int = 0;
        self.check(unsafe { (self.get_device)(&mut device) }, "hipGetDevice")?;
        Ok(device)
    }

    /// The device's gcnArchName ("gfx1100", "gfx90a:sramecc+:xnack-").
    pub fn device_arch(&self, device: i32) -> Result<String, String> {
        let mut props = vec![0u8; PROPS_BYTES];
        // SAFETY: the buffer is larger than either hipDeviceProp_t layout.
        let e = unsafe { (self.get_device_properties)(props.as_mut_ptr().cast(), device) };
        self.check(e, &format!("hipGetDeviceProperties(device {device})"))?;
        let field = &props[self.arch_offset..self.arch_offset + ARCH_NAME_LEN];
        let name = CStr::from_bytes_until_nul(field)
            .ok()
            .and_then(|c| c.to_str().ok())
            .filter(|s| s.starts_with("gfx") && s.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| format!("device {device}: {} gave no readable gcnArchName", self.lib_name))?;
        Ok(name.to_owned())
    }

    pub fn alloc(&self, bytes: usize) -> Result<DeviceBuffer<'_>, String> {
        let mut ptr = std::ptr::null_mut();
        // SAFETY: a valid out-pointer.
        self.check(unsafe { (self.malloc)(&mut ptr, bytes.max(1)) }, &format!("hipMalloc({bytes})"))?;
        Ok(DeviceBuffer { hip: self, ptr, bytes })
    }

    /// A device buffer holding `data`, then `extra` bytes of `fill`.
    pub fn upload(&self, data: &[u8], extra: usize, fill: u8) -> Result<DeviceBuffer<'_>, String> {
        let mut host = data.to_vec();
        host.resize(data.len() + extra, fill);
        let buf = self.alloc(host.len())?;
        // SAFETY: buf holds host.len() bytes.
        let e =
            unsafe { (self.memcpy)(buf.ptr, host.as_ptr().cast(), host.len(), HIP_MEMCPY_HOST_TO_DEVICE) };
        self.check(e, "hipMemcpy (host to device)")?;
        Ok(buf)
    }

    /// All bytes of a device buffer.
    pub fn download(&self, buf: &DeviceBuffer<'_>) -> Result<Vec<u8>, String> {
        let mut host = vec![0u8; buf.bytes];
        // SAFETY: host holds buf.bytes bytes.
        let e =
            unsafe { (self.memcpy)(host.as_mut_ptr().cast(), buf.ptr, buf.bytes, HIP_MEMCPY_DEVICE_TO_HOST) };
        self.check(e, "hipMemcpy (device to host)")?;
        Ok(host)
    }

    /// hipModuleLoadData on an image: a code object, or an offload bundle
    /// (the runtime picks the device's code object).
    pub fn load_module(&self, image: &[u8]) -> Result<Module, String> {
        let mut m = std::ptr::null_mut();
        // SAFETY: image outlives the call (and is 'static for QUANTIZED).
        self.check(unsafe { (self.module_load_data)(&mut m, image.as_ptr().cast()) }, "hipModuleLoadData")?;
        Ok(Module(m))
    }

    pub fn function(&self, module: &Module, name: &str) -> Result<Function, String> {
        let c = CString::new(name).map_err(|_| format!("kernel name {name:?} holds a NUL"))?;
        let mut f = std::ptr::null_mut();
        // SAFETY: a live module and a NUL-terminated name.
        let e = unsafe { (self.module_get_function)(&mut f, module.0, c.as_ptr()) };
        self.check(e, &format!("hipModuleGetFunction({name})"))?;
        Ok(Function(f))
    }

    /// Launches `f` with no dynamic shared memory on the null stream, then
    /// waits for it.
    pub fn launch(&self, f: Function, name: &str, dims: Dims, args: &[Arg]) -> Result<(), String> {
        let mut values: Vec<Arg> = args.to_vec();
        let mut params: Vec<*mut c_void> = values
            .iter_mut()
            .map(|a| match a {
                Arg::Ptr(p) => (p as *mut *mut c_void).cast(),
                Arg::I32(v) => (v as *mut i32).cast(),
            })
            .collect();
        let (g, b) = (dims.grid, dims.block);
        // SAFETY: params points at one value per kernel argument, alive for
        // the call; the kernel's argument list is the ABI's (spec/kernel-abi.md).
        let e = unsafe {
            (self.module_launch_kernel)(
                f.0,
                g.0,
                g.1,
                g.2,
                b.0,
                b.1,
                b.2,
                0,
                std::ptr::null_mut(),
                params.as_mut_ptr(),
                std::ptr::null_mut(),
            )
        };
        self.check(e, &format!("hipModuleLaunchKernel({name}, {dims:?})"))?;
        self.check(unsafe { (self.device_synchronize)() }, &format!("hipDeviceSynchronize after {name}"))
    }
}
