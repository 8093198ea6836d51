#include "floe_chunks.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Element size 4 (float32): 16 elements per round, four byte planes interleaved twice.
static size_t unshuffle4(const uint8_t *in, uint8_t *out, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    __m128i a = _mm_loadu_si128((const __m128i *)(in + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(in + n + i));
    __m128i c = _mm_loadu_si128((const __m128i *)(in + 2 * n + i));
    __m128i d = _mm_loadu_si128((const __m128i *)(in + 3 * n + i));
    __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
    __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
    uint8_t *o = out + 4 * i;
    _mm_storeu_si128((__m128i *)(o + 0), _mm_unpacklo_epi16(ab_lo, cd_lo));
    _mm_storeu_si128((__m128i *)(o + 16), _mm_unpackhi_epi16(ab_lo, cd_lo));
    _mm_storeu_si128((__m128i *)(o + 32), _mm_unpacklo_epi16(ab_hi, cd_hi));
    _mm_storeu_si128((__m128i *)(o + 48), _mm_unpackhi_epi16(ab_hi, cd_hi));
  }
#endif
  return i;
}

// Element size 8 (float64): 16 elements per round, eight byte planes interleaved three times.
static size_t unshuffle8(const uint8_t *in, uint8_t *out, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    __m128i p[8];
    for (int k = 0; k < 8; k++) p[k] = _mm_loadu_si128((const __m128i *)(in + k * n + i));
    __m128i s[8];  // pairs of planes: s[2j] the low halves, s[2j+1] the high halves
    for (int j = 0; j < 4; j++) {
      s[2 * j] = _mm_unpacklo_epi8(p[2 * j], p[2 * j + 1]);
      s[2 * j + 1] = _mm_unpackhi_epi8(p[2 * j], p[2 * j + 1]);
    }
    // Bytes 0-3 and 4-7 of elements 0-3, 4-7, 8-11, 12-15.
    __m128i lo[4] = {
        _mm_unpacklo_epi16(s[0], s[2]), _mm_unpackhi_epi16(s[0], s[2]),
        _mm_unpacklo_epi16(s[1], s[3]), _mm_unpackhi_epi16(s[1], s[3])};
    __m128i hi[4] = {
        _mm_unpacklo_epi16(s[4], s[6]), _mm_unpackhi_epi16(s[4], s[6]),
        _mm_unpacklo_epi16(s[5], s[7]), _mm_unpackhi_epi16(s[5], s[7])};
    uint8_t *o = out + 8 * i;
    for (int q = 0; q < 4; q++) {
      _mm_storeu_si128((__m128i *)(o + 32 * q), _mm_unpacklo_epi32(lo[q], hi[q]));
      _mm_storeu_si128((__m128i *)(o + 32 * q + 16), _mm_unpackhi_epi32(lo[q], hi[q]));
    }
  }
#endif
  return i;
}

void floe_unshuffle(const uint8_t *in, uint8_t *out, size_t bytes, size_t size) {
  if (size <= 1) {
    memcpy(out, in, bytes);
    return;
  }
  size_t n = bytes / size;
  size_t done = size == 4 ? unshuffle4(in, out, n) : size == 8 ? unshuffle8(in, out, n) : 0;
  for (size_t i = done; i < n; i++)
    for (size_t b = 0; b < size; b++) out[i * size + b] = in[b * n + i];
  memcpy(out + n * size, in + n * size, bytes - n * size);
}
