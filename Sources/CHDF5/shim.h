// HDF5's property-list and type constants are macros over library globals (and H5open calls),
// which Swift cannot import. These inline getters expose them as plain functions, nothing else.
#include <hdf5.h>

static inline hid_t fit_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t fit_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t fit_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t fit_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t fit_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t fit_H5P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
static inline hid_t fit_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t fit_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t fit_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t fit_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t fit_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t fit_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t fit_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t fit_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t fit_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline unsigned fit_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned fit_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned fit_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned fit_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline hsize_t fit_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline hid_t fit_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
