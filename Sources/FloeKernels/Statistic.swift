/// The built-in reductions. Every one skips missing values (the variable's fill values and
/// NaN), accumulates in float64 whatever the input type, and gives NaN (stored as the fill
/// value) for a point with no valid input, except `count`, which gives 0.
public enum Statistic: Sendable, Equatable, CustomStringConvertible {
  case mean, sum, min, max, count
  /// Population variance and standard deviation (divisor n, numpy's and xarray's default).
  case variance, standardDeviation
  /// The q-th percentile, 0...100 (the median is 50), by linear interpolation (`Percentile`).
  /// Percentiles need every value of a point: they run as their own job, not as a reducer.
  case percentile(Double)

  /// Parses the command-line name: mean sum min max count var std.
  public init?(name: String) {
    switch name {
    case "mean": self = .mean
    case "sum": self = .sum
    case "min": self = .min
    case "max": self = .max
    case "count": self = .count
    case "var": self = .variance
    case "std": self = .standardDeviation
    case "median": self = .percentile(50)
    default:
      // pNN: p95, p5, p99.9
      guard name.hasPrefix("p"), let q = Double(name.dropFirst()), q >= 0, q <= 100,
        !name.dropFirst().hasPrefix("+")
      else { return nil }
      self = .percentile(q)
    }
  }

  public var description: String {
    switch self {
    case .mean: "mean"
    case .sum: "sum"
    case .min: "min"
    case .max: "max"
    case .count: "count"
    case .variance: "var"
    case .standardDeviation: "std"
    case .percentile(50): "median"
    case .percentile(let q): "p\(Self.format(q))"
    }
  }

  /// 95 as "95", 99.9 as "99.9".
  static func format(_ q: Double) -> String { q == q.rounded() ? String(Int(q)) : String(q) }

  /// The CF `cell_methods` word.
  public var cellMethod: String {
    switch self {
    case .mean: "mean"
    case .sum: "sum"
    case .min: "minimum"
    case .max: "maximum"
    case .count: "point"  // CF has no "count"; the variable's long_name says it
    case .variance: "variance"
    case .standardDeviation: "standard_deviation"
    case .percentile(50): "median"
    case .percentile(let q): "percentile (\(Self.format(q))th, linear interpolation)"
    }
  }

  /// The reducer that computes it.
  public var reducer: any Reducer {
    switch self {
    case .mean: SumReducer(finish: .mean)
    case .sum: SumReducer(finish: .sum)
    case .count: SumReducer(finish: .count)
    case .min: ExtremeReducer(largest: false)
    case .max: ExtremeReducer(largest: true)
    case .variance: MomentsReducer(standardDeviation: false)
    case .standardDeviation: MomentsReducer(standardDeviation: true)
    case .percentile:
      preconditionFailure("percentiles run as their own job (Percentiles), not as a reducer")
    }
  }
}

// MARK: Shared loops

/// Calls `vector` for runs whose values go to consecutive points and `scalar` for runs
/// whose values all go to one point, with the values typed.
@inlinable
func forEachTypedRun(
  _ block: Block,
  float32: (UnsafeBufferPointer<Float>, Float, Float, Int, Int) -> Void,
  float64: (UnsafeBufferPointer<Double>, Double, Double, Int, Int) -> Void
) {
  // A time mean's layout: every run covers all points. Walk blocks of points outermost,
  // runs inside, so each block's partial stays in cache; each point still sees its values
  // in the same order, so the result is bit-for-bit the same.
  if let points = block.everyRunCoversAllPoints {
    let step = 2048
    switch block.values {
    case .float32(let values):
      let (m0, m1) = block.missing.float32Pair
      for first in stride(from: 0, to: points, by: step) {
        let length = Swift.min(step, points - first)
        for offset in stride(from: first, to: values.count, by: points) {
          float32(
            UnsafeBufferPointer(rebasing: values[offset..<(offset + length)]), m0, m1, first, 1)
        }
      }
    case .float64(let values):
      let (m0, m1) = block.missing.float64Pair
      for first in stride(from: 0, to: points, by: step) {
        let length = Swift.min(step, points - first)
        for offset in stride(from: first, to: values.count, by: points) {
          float64(
            UnsafeBufferPointer(rebasing: values[offset..<(offset + length)]), m0, m1, first, 1)
        }
      }
    }
    return
  }
  switch block.values {
  case .float32(let values):
    let (m0, m1) = block.missing.float32Pair
    block.forEachRun { offset, length, point, stride in
      float32(
        UnsafeBufferPointer(rebasing: values[offset..<(offset + length)]), m0, m1, point, stride)
    }
  case .float64(let values):
    let (m0, m1) = block.missing.float64Pair
    block.forEachRun { offset, length, point, stride in
      float64(
        UnsafeBufferPointer(rebasing: values[offset..<(offset + length)]), m0, m1, point, stride)
    }
  }
}

/// Adds valid values of `run` into count / sum (/ sum of squares) fields, without branches.
/// One loop per combination of fields, so that each inner loop is branch-free and vectorizes.
@inlinable
func accumulateSums<T: BinaryFloatingPoint>(
  _ run: UnsafeBufferPointer<T>, _ m0: T, _ m1: T, point: Int, stride: Int,
  count: UnsafeMutableBufferPointer<Double>, sum: UnsafeMutableBufferPointer<Double>?,
  squares: UnsafeMutableBufferPointer<Double>?
) {
  let n = run.count
  guard let x = run.baseAddress, let c = count.baseAddress else { return }
  if stride == 1 {
    let c = c + point
    switch (sum?.baseAddress.map { $0 + point }, squares?.baseAddress.map { $0 + point }) {
    case (let s?, let q?):
      for i in 0..<n {
        let v = x[i]
        let ok = v == v && v != m0 && v != m1
        let d = ok ? Double(v) : 0
        c[i] += ok ? 1 : 0
        s[i] += d
        q[i] += d * d
      }
    case (let s?, nil) where T.self == Float.self:
      // The time mean's loop, four values at a time with SIMD masks instead of branches:
      // masked in float lanes, then widened to double.
      let f = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
      let (fm0, fm1) = (Float(m0), Float(m1))
      let zero = SIMD4<Float>(repeating: 0)
      let one = SIMD4<Float>(repeating: 1)
      var i = 0
      while i + 4 <= n {
        let v = UnsafeRawPointer(f + i).loadUnaligned(as: SIMD4<Float>.self)
        let ok = (v .== v) .& (v .!= SIMD4(repeating: fm0)) .& (v .!= SIMD4(repeating: fm1))
        let sp = UnsafeMutableRawPointer(s + i)
        let cp = UnsafeMutableRawPointer(c + i)
        let add = SIMD4<Double>(zero.replacing(with: v, where: ok))
        let counted = SIMD4<Double>(zero.replacing(with: one, where: ok))
        sp.storeBytes(of: sp.loadUnaligned(as: SIMD4<Double>.self) + add, as: SIMD4<Double>.self)
        cp.storeBytes(
          of: cp.loadUnaligned(as: SIMD4<Double>.self) + counted, as: SIMD4<Double>.self)
        i += 4
      }
      while i < n {
        let v = f[i]
        let ok = v == v && v != fm0 && v != fm1
        c[i] += ok ? 1 : 0
        s[i] += ok ? Double(v) : 0
        i += 1
      }
    case (let s?, nil):
      for i in 0..<n {
        let v = x[i]
        let ok = v == v && v != m0 && v != m1
        c[i] += ok ? 1 : 0
        s[i] += ok ? Double(v) : 0
      }
    default:
      for i in 0..<n {
        let v = x[i]
        c[i] += v == v && v != m0 && v != m1 ? 1 : 0
      }
    }
  } else {
    var total = 0.0
    var s = 0.0
    var q = 0.0
    for i in 0..<n {
      let v = x[i]
      let ok = v == v && v != m0 && v != m1
      let d = ok ? Double(v) : 0
      total += ok ? 1 : 0
      s += d
      q += d * d
    }
    c[point] += total
    sum?[point] += s
    squares?[point] += q
  }
}

/// Folds the valid values of `block` into the count, sum and sum-of-squares fields (sum and
/// squares optional), continuing what they hold, or, if `fresh`, starting from zero.
func foldSums(
  _ block: Block, fresh: Bool = false, count: UnsafeMutableBufferPointer<Double>,
  sum: UnsafeMutableBufferPointer<Double>?, squares: UnsafeMutableBufferPointer<Double>? = nil
) {
  if case .float32(let values) = block.values, let points = block.everyRunCoversAllPoints {
    let (m0, m1) = block.missing.float32Pair
    fastTimeSums(
      values, points: points, missing: m0, m1, fresh: fresh, count: count, sum: sum,
      squares: squares)
    return
  }
  if fresh {
    for field in [count, sum, squares] { field?.update(repeating: 0) }
  }
  forEachTypedRun(
    block,
    float32: { run, m0, m1, point, stride in
      accumulateSums(
        run, m0, m1, point: point, stride: stride, count: count, sum: sum, squares: squares)
    },
    float64: { run, m0, m1, point, stride in
      accumulateSums(
        run, m0, m1, point: point, stride: stride, count: count, sum: sum, squares: squares)
    })
}

// MARK: count, sum, mean

/// count (field 0) and sum (field 1) of the valid values.
public struct SumReducer: Reducer {
  public enum Finish: Sendable { case mean, sum, count }
  public let finish: Finish
  public init(finish: Finish) { self.finish = finish }

  public var name: String {
    switch finish {
    case .mean: "mean"
    case .sum: "sum"
    case .count: "count"
    }
  }
  public var fieldsPerPoint: Int { finish == .count ? 1 : 2 }
  public var accumulatesInPieces: Bool { true }
  public var pointsAreIndependent: Bool { true }
  public var mergesByAdding: Bool { true }

  public func accumulate(_ block: Block, into partial: inout Partial) {
    partial.withFields { foldSums(block, count: $0[0], sum: finish != .count ? $0[1] : nil) }
  }

  public func merge(_ right: Partial, into left: inout Partial) { left.add(right) }

  /// Input with no missing values gives every point the same count: held once.
  public func compact(_ partial: inout Partial) { partial.holdField0OnceIfSame() }

  public func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    // The sums start at `n` when the count is held per point, at 0 when it is held once.
    let sameCount = partial.sameField0
    let sums = sameCount == nil ? n : 0
    partial.storage.withUnsafeBufferPointer { s in
      for p in 0..<n {
        let count = sameCount ?? s[p]
        switch finish {
        case .count: output[p] = count
        case .sum: output[p] = count > 0 ? s[sums + p] : .nan
        case .mean: output[p] = count > 0 ? s[sums + p] / count : .nan
        }
      }
    }
  }
}

extension SumReducer: ReducesWholeUnitsCompact {
  /// Counts and sums from zero, the counts held once when every value is valid.
  public func wholePartial(of block: Block) -> Partial? {
    guard case .float32(let values) = block.values, let points = block.everyRunCoversAllPoints,
      points > 0
    else { return nil }
    let (m0, m1) = block.missing.float32Pair
    let withSum = finish != .count
    var sums = [Double](unsafeUninitializedCapacity: withSum ? points : 0) { $1 = $0.count }
    // Written only if some value is missing.
    var counts = [Double](unsafeUninitializedCapacity: points) { $1 = points }
    let everyValid = counts.withUnsafeMutableBufferPointer { count in
      sums.withUnsafeMutableBufferPointer { sum in
        fastFreshTimeSums(
          values, points: points, missing: m0, m1, count: count, sum: withSum ? sum : nil)
      }
    }
    guard everyValid else {
      return Partial(points: points, fields: fieldsPerPoint, storage: counts + sums)
    }
    return Partial(
      points: points, fields: fieldsPerPoint, storage: sums,
      sameField0: Double(values.count / points))
  }
}

extension SumReducer: AddsWholeUnits {
  /// The unit's counts and sums added in the kernel's last store of each block (AVX2 only).
  public func add(_ block: Block, into partial: inout Partial) -> Bool {
    guard kernelsUseAVX2, case .float32(let values) = block.values,
      let points = block.everyRunCoversAllPoints, points > 0, points == partial.points,
      partial.groups == nil, partial.fields == fieldsPerPoint
    else { return false }
    let (m0, m1) = block.missing.float32Pair
    let withSum = finish != .count
    guard let same = partial.sameField0 else {
      partial.storage.withUnsafeMutableBufferPointer { all in
        let counts = all.baseAddress!
        _ = addedTimeSums(
          values, points: points, missing: m0, m1, count: counts, countHeldOnce: nil,
          sum: withSum ? counts + points : nil)
      }
      return true
    }
    // Written only if some value is missing.
    var counts = [Double](unsafeUninitializedCapacity: points) { $1 = points }
    let wroteCounts = counts.withUnsafeMutableBufferPointer { count in
      partial.storage.withUnsafeMutableBufferPointer { sums in
        addedTimeSums(
          values, points: points, missing: m0, m1, count: count.baseAddress!,
          countHeldOnce: same, sum: withSum ? sums.baseAddress! : nil)
      }
    }!
    if wroteCounts {
      partial.storage.insert(contentsOf: counts, at: 0)
      partial.sameField0 = nil
    } else {
      partial.sameField0 = same + Double(values.count / points)
    }
    return true
  }
}

// MARK: min, max

/// count (field 0) and the smallest or largest valid value (field 1).
public struct ExtremeReducer: Reducer {
  public let largest: Bool
  public init(largest: Bool) { self.largest = largest }

  public var name: String { largest ? "max" : "min" }
  public var fieldsPerPoint: Int { 2 }
  public var accumulatesInPieces: Bool { true }
  public var pointsAreIndependent: Bool { true }

  public func makePartial(points: Int) -> Partial {
    var p = Partial(points: points, fields: 2)
    let start = largest ? -Double.infinity : Double.infinity
    p.withField(1) { $0.update(repeating: start) }
    return p
  }

  public func accumulate(_ block: Block, into partial: inout Partial) {
    partial.withFields { foldExtremes(block, count: $0[0], best: $0[1]) }
  }

  /// Folds the block's valid values into `count` and `best`, continuing what they hold.
  func foldExtremes(
    _ block: Block, count: UnsafeMutableBufferPointer<Double>,
    best: UnsafeMutableBufferPointer<Double>
  ) {
    let largest = self.largest
    func fold<T: BinaryFloatingPoint>(
      _ run: UnsafeBufferPointer<T>, _ m0: T, _ m1: T, _ point: Int, _ stride: Int
    ) {
      for i in 0..<run.count {
        let x = run[i]
        let ok = x == x && x != m0 && x != m1
        let p = point + i * stride
        let d = Double(x)
        let better = largest ? d > best[p] : d < best[p]
        best[p] = ok && better ? d : best[p]
        count[p] += ok ? 1 : 0
      }
    }
    if case .float32(let values) = block.values, let points = block.everyRunCoversAllPoints {
      let (m0, m1) = block.missing.float32Pair
      timeExtremes(
        values, points: points, missing: m0, m1, largest: largest, count: count, best: best)
      return
    }
    forEachTypedRun(block, float32: fold, float64: fold)
  }

  public func merge(_ right: Partial, into left: inout Partial) {
    var right = right
    let heldOnce = Partial.countsHeldAlike(&left, &right)
    let n = left.points
    // The values start at `n` when the count is held per point, at 0 when it is held once.
    let values = heldOnce ? 0 : n
    let largest = self.largest
    if heldOnce { left.sameField0! += right.sameField0! }
    right.storage.withUnsafeBufferPointer { r in
      left.storage.withUnsafeMutableBufferPointer { l in
        for p in 0..<n {
          if !heldOnce { l[p] += r[p] }
          let (a, b) = (l[values + p], r[values + p])
          l[values + p] = largest ? Swift.max(a, b) : Swift.min(a, b)
        }
      }
    }
  }

  /// Input with no missing values gives every point the same count: held once.
  public func compact(_ partial: inout Partial) { partial.holdField0OnceIfSame() }

  public func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    let sameCount = partial.sameField0
    let values = sameCount == nil ? n : 0
    partial.storage.withUnsafeBufferPointer { s in
      for p in 0..<n { output[p] = (sameCount ?? s[p]) > 0 ? s[values + p] : .nan }
    }
  }
}

// MARK: variance, standard deviation

/// count (field 0), mean (field 1) and sum of squared deviations from the mean (field 2),
/// merged with Chan et al.'s formula, which stays accurate where sum and sum of squares
/// would cancel.
public struct MomentsReducer: Reducer {
  public let standardDeviation: Bool
  public init(standardDeviation: Bool) { self.standardDeviation = standardDeviation }

  public var name: String { standardDeviation ? "std" : "var" }
  public var fieldsPerPoint: Int { 3 }
  public var pointsAreIndependent: Bool { true }

  public func accumulate(_ block: Block, into partial: inout Partial) {
    partial.withFields { foldMoments(block, fresh: false, $0) }
  }

  /// Within one unit: count, sum and sum of squares, then mean and M2 per point (in the AVX2
  /// time sums' store where it can: no second pass over the unit's partial).
  func foldMoments(_ block: Block, fresh: Bool, _ f: [UnsafeMutableBufferPointer<Double>]) {
    if fresh, case .float32(let values) = block.values, let points = block.everyRunCoversAllPoints,
      points == f[0].count
    {
      let (m0, m1) = block.missing.float32Pair
      if fastTimeMoments(values, points: points, missing: m0, m1, count: f[0], mean: f[1], m2: f[2]) {
        return
      }
    }
    foldSums(block, fresh: fresh, count: f[0], sum: f[1], squares: f[2])
    for p in 0..<f[0].count {
      let n = f[0][p]
      let mean = n > 0 ? f[1][p] / n : 0
      f[1][p] = mean
      f[2][p] = n > 0 ? Swift.max(0, f[2][p] - mean * mean * n) : 0
    }
  }

  public func merge(_ right: Partial, into left: inout Partial) {
    var right = right
    let heldOnce = Partial.countsHeldAlike(&left, &right)
    let points = left.points
    // Mean and M2 start at `points` and 2 x `points` when the count is held per point, at
    // 0 and `points` when it is held once.
    let (mean, m2) = heldOnce ? (0, points) : (points, 2 * points)
    let sameCounts = heldOnce ? (left.sameField0!, right.sameField0!) : (0, 0)
    right.storage.withUnsafeBufferPointer { r in
      left.storage.withUnsafeMutableBufferPointer { l in
        /// Point p's mean and M2 from counts na (left) and nb (right).
        @inline(__always) func fold(_ p: Int, _ na: Double, _ nb: Double) {
          if nb == 0 { return }
          if na == 0 {
            l[mean + p] = r[mean + p]
            l[m2 + p] = r[m2 + p]
            return
          }
          let n = na + nb
          let delta = r[mean + p] - l[mean + p]
          l[mean + p] += delta * nb / n
          l[m2 + p] += r[m2 + p] + delta * delta * na * nb / n
        }
        if heldOnce {
          for p in 0..<points { fold(p, sameCounts.0, sameCounts.1) }
        } else {
          for p in 0..<points {
            let (na, nb) = (l[p], r[p])
            fold(p, na, nb)
            l[p] = na + nb
          }
        }
      }
    }
    if heldOnce { left.sameField0 = sameCounts.0 + sameCounts.1 }
  }

  /// Input with no missing values gives every point the same count: held once.
  public func compact(_ partial: inout Partial) { partial.holdField0OnceIfSame() }

  public func finalize(_ partial: Partial, into output: UnsafeMutableBufferPointer<Double>) {
    let n = partial.points
    let takeRoot = standardDeviation
    let sameCount = partial.sameField0
    let m2 = sameCount == nil ? 2 * n : n
    partial.storage.withUnsafeBufferPointer { s in
      for p in 0..<n {
        let count = sameCount ?? s[p]
        let variance = count > 0 ? s[m2 + p] / count : .nan
        output[p] = takeRoot ? variance.squareRoot() : variance
      }
    }
  }
}
