import CFloeKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whether the AVX2 loops (time sums, weighted row sums) run here (asked once);
/// FLOE_PORTABLE_KERNELS=1 turns them off, to compare.
let kernelsUseAVX2 = floe_kernels_have_avx2() && getenv("FLOE_PORTABLE_KERNELS") == nil

/// `timeSums`, with AVX2 where the processor has it: the same operations in the same
/// order per point, so the same bits, two to three times faster.
func fastTimeSums(
  _ values: UnsafeBufferPointer<Float>, points: Int, missing m0: Float, _ m1: Float,
  fresh: Bool = false, count: UnsafeMutableBufferPointer<Double>,
  sum: UnsafeMutableBufferPointer<Double>?, squares: UnsafeMutableBufferPointer<Double>?
) {
  guard kernelsUseAVX2, points > 0, let base = values.baseAddress else {
    return timeSums(
      values, points: points, missing: m0, m1, fresh: fresh, count: count, sum: sum,
      squares: squares)
  }
  floe_time_sums_avx2(
    base, values.count / points, points, m0, m1, fresh, count.baseAddress, sum?.baseAddress,
    squares?.baseAddress)
}

/// `fastTimeSums` from zero, except that the counts are written only if some value is
/// missing: returns whether every value was valid (every count is the number of steps, and
/// `count` holds nothing to read). The compact partial of a unit with no missing values,
/// without writing its counts and then scanning them.
func fastFreshTimeSums(
  _ values: UnsafeBufferPointer<Float>, points: Int, missing m0: Float, _ m1: Float,
  count: UnsafeMutableBufferPointer<Double>, sum: UnsafeMutableBufferPointer<Double>?
) -> Bool {
  let steps = Double(values.count / points)
  guard kernelsUseAVX2, let base = values.baseAddress else {
    timeSums(values, points: points, missing: m0, m1, fresh: true, count: count, sum: sum, squares: nil)
    return count.allSatisfy { $0 == steps }
  }
  return floe_fresh_time_sums_avx2(
    base, values.count / points, points, m0, m1, count.baseAddress, sum?.baseAddress, nil)
}

/// A fresh unit's counts, means and sums of squared deviations from the mean
/// (`floe_time_moments_avx2`: the moments made in the time sums' store). False, with nothing
/// written, where the processor has no AVX2.
func fastTimeMoments(
  _ values: UnsafeBufferPointer<Float>, points: Int, missing m0: Float, _ m1: Float,
  count: UnsafeMutableBufferPointer<Double>, mean: UnsafeMutableBufferPointer<Double>,
  m2: UnsafeMutableBufferPointer<Double>
) -> Bool {
  guard kernelsUseAVX2, points > 0, let base = values.baseAddress else { return false }
  precondition(count.count == points && mean.count == points && m2.count == points)
  floe_time_moments_avx2(
    base, values.count / points, points, m0, m1, count.baseAddress, mean.baseAddress,
    m2.baseAddress)
  return true
}

/// A unit's fresh counts and sums added into a partial's (`floe_time_sums_added_avx2`): the
/// partial's counts per point in `count`, or held once as `countHeldOnce` (then written only
/// if some value is missing). Returns whether `count` was written; nil where the processor
/// has no AVX2 (there is no portable twin: the caller merges the ordinary way).
func addedTimeSums(
  _ values: UnsafeBufferPointer<Float>, points: Int, missing m0: Float, _ m1: Float,
  count: UnsafeMutablePointer<Double>, countHeldOnce: Double?, sum: UnsafeMutablePointer<Double>?
) -> Bool? {
  guard kernelsUseAVX2, let base = values.baseAddress else { return nil }
  return floe_time_sums_added_avx2(
    base, values.count / points, points, m0, m1, count, countHeldOnce ?? .nan, sum)
}

/// The time mean's (and standard deviation's) inner loop over float32 data laid out as
/// [steps][points]: counts, sums and optionally sums of squares of the valid values of each
/// point, continuing the totals in `count`, `sum` and `squares` — or, if `fresh`, starting
/// from zero without reading them (a unit's piece written straight into the unit's partial).
///
/// Points are taken in blocks small enough that the block's running totals stay in the L1
/// cache while every step streams past: counts in Int32 lanes, sums in float64. Each point
/// still sees its values in step order, starting from the totals it had, so the sums are
/// bit-for-bit those of a plain loop — also when a block comes in several pieces of steps.
@inlinable
func timeSums(
  _ values: UnsafeBufferPointer<Float>, points: Int, missing m0: Float, _ m1: Float,
  fresh: Bool = false, count: UnsafeMutableBufferPointer<Double>,
  sum: UnsafeMutableBufferPointer<Double>?, squares: UnsafeMutableBufferPointer<Double>?
) {
  guard points > 0, let base = values.baseAddress else { return }
  let wantsSum = sum != nil
  let wantsSquares = squares != nil
  let steps = values.count / points
  // Totals of 4 + 8 (+ 8) bytes per point: 24 KiB of them, within the L1 cache, while
  // each step's run of the block is long enough for the prefetcher.
  let width = (24 << 10) / (wantsSquares ? 20 : 12) / 4 * 4
  let counts = UnsafeMutablePointer<SIMD4<Int32>>.allocate(capacity: width / 4)
  let sums = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: width / 4)
  let squareSums = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: width / 4)
  defer {
    counts.deallocate()
    sums.deallocate()
    squareSums.deallocate()
  }
  let missing0 = SIMD4<Float>(repeating: m0)
  let missing1 = SIMD4<Float>(repeating: m1)
  var first = 0
  while first < points {
    let length = Swift.min(width, points - first)
    let vectors = length / 4
    // Continue from the totals so far (counts are whole numbers), or start from zero.
    for k in 0..<vectors {
      let p = first + 4 * k
      if fresh {
        counts[k] = .zero
        sums[k] = .zero
        squareSums[k] = .zero
        continue
      }
      counts[k] = SIMD4(
        Int32(count[p]), Int32(count[p + 1]), Int32(count[p + 2]), Int32(count[p + 3]))
      sums[k] = sum.map { SIMD4($0[p], $0[p + 1], $0[p + 2], $0[p + 3]) } ?? .zero
      squareSums[k] = squares.map { SIMD4($0[p], $0[p + 1], $0[p + 2], $0[p + 3]) } ?? .zero
    }
    for t in 0..<steps {
      let row = UnsafeRawPointer(base + t * points + first)
      for k in 0..<vectors {
        let v = row.loadUnaligned(fromByteOffset: 16 * k, as: SIMD4<Float>.self)
        let ok = (v .== v) .& (v .!= missing0) .& (v .!= missing1)
        counts[k] &+= SIMD4<Int32>(repeating: 0).replacing(with: 1, where: ok)
        if wantsSum {
          let d = SIMD4<Double>(SIMD4<Float>(repeating: 0).replacing(with: v, where: ok))
          sums[k] += d
          if wantsSquares { squareSums[k] += d * d }
        }
      }
    }
    for k in 0..<vectors {
      for lane in 0..<4 {
        let p = first + 4 * k + lane
        count[p] = Double(counts[k][lane])
        sum?[p] = sums[k][lane]
        squares?[p] = squareSums[k][lane]
      }
    }
    // The last points of a block that is not a multiple of four, one by one.
    for p in (first + 4 * vectors)..<(first + length) {
      var n = fresh ? 0 : count[p]
      var s = fresh ? 0 : sum?[p] ?? 0
      var q = fresh ? 0 : squares?[p] ?? 0
      for t in 0..<steps {
        let v = base[t * points + p]
        let ok = v == v && v != m0 && v != m1
        let d = ok ? Double(v) : 0
        n += ok ? 1 : 0
        s += d
        q += d * d
      }
      count[p] = n
      sum?[p] = s
      squares?[p] = q
    }
    first += length
  }
}

/// The time min / max loop over float32 data laid out as [steps][points]: counts and the
/// smallest (or largest) valid value of each point, continuing `count` and `best`. Blocks of
/// points keep their running values in L1 (Int32 counts, float32 extremes: the extreme of
/// float32 values is one of them, so float32 holds it exactly).
@inlinable
func timeExtremes(
  _ values: UnsafeBufferPointer<Float>, points: Int, missing m0: Float, _ m1: Float,
  largest: Bool, count: UnsafeMutableBufferPointer<Double>, best: UnsafeMutableBufferPointer<Double>
) {
  guard points > 0, let base = values.baseAddress else { return }
  let steps = values.count / points
  let width = 3072  // 4 + 4 bytes per point: 24 KiB
  let counts = UnsafeMutablePointer<SIMD4<Int32>>.allocate(capacity: width / 4)
  let bests = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: width / 4)
  defer {
    counts.deallocate()
    bests.deallocate()
  }
  let missing0 = SIMD4<Float>(repeating: m0)
  let missing1 = SIMD4<Float>(repeating: m1)
  var first = 0
  while first < points {
    let length = Swift.min(width, points - first)
    let vectors = length / 4
    for k in 0..<vectors {
      let p = first + 4 * k
      counts[k] = SIMD4(
        Int32(count[p]), Int32(count[p + 1]), Int32(count[p + 2]), Int32(count[p + 3]))
      bests[k] = SIMD4(Float(best[p]), Float(best[p + 1]), Float(best[p + 2]), Float(best[p + 3]))
    }
    for t in 0..<steps {
      let row = UnsafeRawPointer(base + t * points + first)
      for k in 0..<vectors {
        let v = row.loadUnaligned(fromByteOffset: 16 * k, as: SIMD4<Float>.self)
        let ok = (v .== v) .& (v .!= missing0) .& (v .!= missing1)
        counts[k] &+= SIMD4<Int32>(repeating: 0).replacing(with: 1, where: ok)
        let better = largest ? (v .> bests[k]) : (v .< bests[k])
        bests[k].replace(with: v, where: ok .& better)
      }
    }
    for k in 0..<vectors {
      for lane in 0..<4 {
        count[first + 4 * k + lane] = Double(counts[k][lane])
        best[first + 4 * k + lane] = Double(bests[k][lane])
      }
    }
    for p in (first + 4 * vectors)..<(first + length) {
      for t in 0..<steps {
        let v = base[t * points + p]
        guard v == v && v != m0 && v != m1 else { continue }
        count[p] += 1
        let d = Double(v)
        if largest ? d > best[p] : d < best[p] { best[p] = d }
      }
    }
    first += length
  }
}
