// The one place where Floe touches hdf5.h. HDF5's predefined types and property-list
// classes are macros over link-time globals (H5T_NATIVE_FLOAT is H5T_NATIVE_FLOAT_g after
// H5open), which Swift 6 refuses as "not concurrency-safe"; H5P_DEFAULT imports as Int32
// while hid_t is Int64. Each becomes a prefixed static inline function here.
#ifndef FLOE_HDF5_SHIM_H
#define FLOE_HDF5_SHIM_H

#include <hdf5.h>
#include <hdf5_hl.h>

#if !defined(H5_HAVE_PARALLEL)
#error "Floe needs parallel HDF5 (Debian: libhdf5-openmpi-dev, pkg-config hdf5-openmpi)"
#endif

// Which HDF5: version differences belong here and nowhere else.
#if H5_VERSION_GE(1, 10, 5)
#define FLOE_HDF5_HAS_CHUNK_QUERIES 1
#else
#define FLOE_HDF5_HAS_CHUNK_QUERIES 0
#endif

static inline hid_t floe_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t floe_h5s_all(void) { return H5S_ALL; }
static inline hid_t floe_h5e_default(void) { return H5E_DEFAULT; }
static inline hsize_t floe_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t floe_h5t_variable(void) { return H5T_VARIABLE; }
static inline haddr_t floe_haddr_undef(void) { return HADDR_UNDEF; }

static inline unsigned floe_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned floe_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned floe_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned floe_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

static inline unsigned floe_h5p_crt_order_tracked(void) { return H5P_CRT_ORDER_TRACKED; }
static inline unsigned floe_h5p_crt_order_indexed(void) { return H5P_CRT_ORDER_INDEXED; }

// Property-list classes.
static inline hid_t floe_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t floe_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t floe_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t floe_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }
static inline hid_t floe_h5p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t floe_h5p_group_create(void) { return H5P_GROUP_CREATE; }

// Predefined types.
static inline hid_t floe_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t floe_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t floe_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t floe_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t floe_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t floe_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t floe_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t floe_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t floe_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t floe_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t floe_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t floe_h5t_std_ref_obj(void) { return H5T_STD_REF_OBJ; }
static inline hid_t floe_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t floe_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }

// Filter identifiers (plain macros, but kept beside the rest for one naming scheme).
static inline H5Z_filter_t floe_h5z_filter_deflate(void) { return H5Z_FILTER_DEFLATE; }
static inline H5Z_filter_t floe_h5z_filter_shuffle(void) { return H5Z_FILTER_SHUFFLE; }
static inline H5Z_filter_t floe_h5z_filter_fletcher32(void) { return H5Z_FILTER_FLETCHER32; }
static inline H5Z_filter_t floe_h5z_filter_szip(void) { return H5Z_FILTER_SZIP; }
static inline H5Z_filter_t floe_h5z_filter_nbit(void) { return H5Z_FILTER_NBIT; }
static inline H5Z_filter_t floe_h5z_filter_scaleoffset(void) { return H5Z_FILTER_SCALEOFFSET; }

#endif
