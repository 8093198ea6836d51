// The one place where Floe touches mpi.h. Swift cannot import MPI's handle macros
// (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM, MPI_IN_PLACE, ...): OpenMPI defines them as
// casts of the addresses of link-time globals. Each becomes a prefixed static inline
// function here; nothing else is added.
#ifndef FLOE_MPI_SHIM_H
#define FLOE_MPI_SHIM_H

#include <mpi.h>

// Which MPI: differences between implementations belong here and nowhere else.
#if defined(OPEN_MPI) && OPEN_MPI
#define FLOE_MPI_IMPLEMENTATION "Open MPI"
#else
#define FLOE_MPI_IMPLEMENTATION "MPI"
#endif

static inline const char *floe_mpi_implementation(void) { return FLOE_MPI_IMPLEMENTATION; }

// Communicators and other predefined handles.
static inline MPI_Comm floe_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm floe_mpi_comm_self(void) { return MPI_COMM_SELF; }
static inline MPI_Comm floe_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Info floe_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline MPI_Request floe_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Errhandler floe_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Status *floe_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *floe_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline void *floe_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int floe_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int floe_mpi_any_tag(void) { return MPI_ANY_TAG; }
static inline int floe_mpi_undefined(void) { return MPI_UNDEFINED; }
static inline int floe_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int floe_mpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
static inline int floe_mpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }

// Element types.
static inline MPI_Datatype floe_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype floe_mpi_int8(void) { return MPI_INT8_T; }
static inline MPI_Datatype floe_mpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Datatype floe_mpi_int16(void) { return MPI_INT16_T; }
static inline MPI_Datatype floe_mpi_uint16(void) { return MPI_UINT16_T; }
static inline MPI_Datatype floe_mpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype floe_mpi_uint32(void) { return MPI_UINT32_T; }
static inline MPI_Datatype floe_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype floe_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Datatype floe_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype floe_mpi_double(void) { return MPI_DOUBLE; }

// Reduction operations.
static inline MPI_Op floe_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op floe_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op floe_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op floe_mpi_prod(void) { return MPI_PROD; }

#endif
