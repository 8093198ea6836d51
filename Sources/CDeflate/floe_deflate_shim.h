// libdeflate (Debian: libdeflate-dev): whole-buffer zlib decompression, about twice zlib's
// speed, for the stored chunks Floe decodes itself (FloeHDF5's ChunkDecoder).
#ifndef FLOE_DEFLATE_SHIM_H
#define FLOE_DEFLATE_SHIM_H
#include <libdeflate.h>
#endif
