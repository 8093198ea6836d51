internal import CDeflate
internal import CFloeChunks

/// Reads blocks of a compressed dataset by decoding its stored chunks itself: each chunk's
/// bytes as stored (`H5Dread_chunk`), inflated with libdeflate and unshuffled with SSE2,
/// straight into the block where the chunk is a contiguous part of it. HDF5's own path
/// inflates with zlib, unshuffles byte by byte and copies each chunk once more: 2-3x the
/// cycles for the same bytes (docs/performance.md, "Compressed chunks").
///
/// For the pipelines netCDF-4 writes (deflate, with or without shuffle) on little-endian
/// integers or floats read as their own type (`canDecode`); anything else goes through
/// `Dataset.read`. The buffers are kept from block to block: one decoder per reader.
public final class ChunkDecoder {
  private let decompressor: OpaquePointer
  /// The chunk as stored, and its inflated (still shuffled) and unshuffled bytes.
  private let stored = Scratch()
  private let inflated = Scratch()
  private let unshuffled = Scratch()

  public init() {
    guard let decompressor = libdeflate_alloc_decompressor() else {
      fatalError("libdeflate_alloc_decompressor: out of memory")
    }
    self.decompressor = decompressor
  }

  deinit { libdeflate_free_decompressor(decompressor) }

  /// Whether the decoder can read `dataset` as elements of `element`: chunked, stored as
  /// that very type, little-endian, through deflate and shuffle only.
  public static func canDecode(_ dataset: borrowing Dataset, as element: ElementType) -> Bool {
    guard dataset.layout == .chunked, dataset.chunkShape != nil, dataset.storedLittleEndian,
      dataset.dataType == .numeric(element)
    else { return false }
    return Pipeline(dataset.filters) != nil
  }

  /// Reads the block at `start` of extent `count` into `buffer` (C order, elements of
  /// `element`); `canDecode(dataset, as: element)` must hold. A block with a chunk never
  /// written (fill values) is read through HDF5.
  public func read(
    _ dataset: borrowing Dataset, as element: ElementType, start: [Int], count: [Int],
    into buffer: UnsafeMutableRawBufferPointer
  ) throws {
    guard let chunk = dataset.chunkShape, let pipeline = Pipeline(dataset.filters),
      start.count == chunk.count, count.count == chunk.count
    else {
      throw HDF5Error(
        .invalidSelection, "cannot decode this variable's chunks", file: dataset.file,
        object: dataset.name)
    }
    let size = element.size
    guard buffer.count == count.reduce(size, *) else {
      throw HDF5Error(
        .invalidSelection,
        "buffer of \(buffer.count) bytes for a block of \(count.reduce(size, *))",
        file: dataset.file, object: dataset.name)
    }
    guard !buffer.isEmpty else { return }
    let grid = ChunkGrid(start: start, count: count, chunk: chunk)
    var chunks: [(offset: [Int], bytes: Int)] = []
    for offset in grid.chunkOffsets {
      // (H5Dget_chunk_storage_size fails on a chunk never written; this gives it 0 bytes.)
      let bytes = try dataset.storedChunkLocation(at: offset).bytes
      // A chunk never written holds the fill value, which HDF5 supplies.
      if bytes == 0 {
        return try dataset.read(into: buffer, as: element, start: start, count: count)
      }
      chunks.append((offset, bytes))
    }
    let chunkBytes = chunk.reduce(size, *)
    for (offset, bytes) in chunks {
      // Deflate grows incompressible data by well under 1 %, and HDF5 stores a chunk that
      // would grow unfiltered: a larger size is a damaged index, not a buffer to allocate.
      guard bytes <= chunkBytes + chunkBytes / 64 + 4096 else {
        throw HDF5Error(
          .readFailed,
          "cannot read the chunk at \(offset): the file says it holds \(bytes) bytes, for a chunk of \(chunkBytes); the file is damaged",
          file: dataset.file, object: dataset.name)
      }
      let storedBytes = stored.reserve(bytes)
      let mask = try dataset.readStoredChunk(
        at: offset, bytes: bytes,
        into: UnsafeMutableRawBufferPointer(start: storedBytes, count: bytes))
      let inflate = pipeline.deflate.map { mask & (1 << $0) == 0 } ?? false
      let unshuffle = pipeline.shuffle.map { mask & (1 << $0) == 0 } ?? false
      guard inflate || bytes == chunkBytes else {
        throw HDF5Error(
          .readFailed,
          "cannot read the chunk at \(offset): \(bytes) bytes stored uncompressed for a chunk of \(chunkBytes)",
          file: dataset.file, object: dataset.name)
      }
      let place = grid.contiguousPlace(of: offset, elementSize: size)
      let destination = place.map { buffer.baseAddress! + $0 }
      var data = UnsafeRawPointer(storedBytes)
      if inflate {
        let target = unshuffle || destination == nil ? inflated.reserve(chunkBytes) : destination!
        var produced = 0
        let result = libdeflate_zlib_decompress(
          decompressor, data, bytes, target, chunkBytes, &produced)
        guard result == LIBDEFLATE_SUCCESS, produced == chunkBytes else {
          throw HDF5Error(
            .readFailed,
            "cannot read the chunk at \(offset) (deflate: inflate() failed: "
              + (result == LIBDEFLATE_SUCCESS
                ? "\(produced) bytes where the chunk has \(chunkBytes)"
                : "the stored bytes are not valid zlib data") + "); the file is damaged",
            file: dataset.file, object: dataset.name)
        }
        data = UnsafeRawPointer(target)
      }
      if unshuffle {
        let target = destination ?? unshuffled.reserve(chunkBytes)
        floe_unshuffle(
          data.assumingMemoryBound(to: UInt8.self), target.assumingMemoryBound(to: UInt8.self),
          chunkBytes, size)
        data = UnsafeRawPointer(target)
      }
      if let destination {
        if data != UnsafeRawPointer(destination) {
          destination.copyMemory(from: data, byteCount: chunkBytes)
        }
      } else {
        grid.copy(chunkAt: offset, from: data, into: buffer, elementSize: size)
      }
    }
  }
}

/// A buffer kept from chunk to chunk, grown when a chunk needs more.
private final class Scratch {
  private var bytes = UnsafeMutableRawBufferPointer(start: nil, count: 0)

  /// At least `count` bytes (their contents undefined).
  func reserve(_ count: Int) -> UnsafeMutableRawPointer {
    if bytes.count < count {
      bytes.deallocate()
      bytes = .allocate(byteCount: count, alignment: 64)
    }
    return bytes.baseAddress!
  }

  deinit { bytes.deallocate() }
}

/// Where deflate and shuffle sit in a dataset's filter pipeline (bit i of a chunk's filter
/// mask says filter i was skipped for it). Nil for any other pipeline.
private struct Pipeline {
  var shuffle: Int?
  var deflate: Int?

  init?(_ filters: [Filter]) {
    switch filters.map(\.id) {
    case [1]: deflate = 0
    case [2, 1]: (shuffle, deflate) = (0, 1)
    case [2]: shuffle = 0
    default: return nil
    }
  }
}

/// The chunks a block touches, and where each one's elements go in the block.
private struct ChunkGrid {
  let start: [Int]
  let count: [Int]
  let chunk: [Int]

  /// The first element of every chunk the block touches, in C order.
  var chunkOffsets: [[Int]] {
    let first = start.indices.map { start[$0] / chunk[$0] * chunk[$0] }
    let end = start.indices.map { start[$0] + count[$0] }
    var offsets: [[Int]] = []
    var offset = first
    while true {
      offsets.append(offset)
      var axis = offset.count - 1
      while axis >= 0 {
        offset[axis] += chunk[axis]
        if offset[axis] < end[axis] { break }
        offset[axis] = first[axis]
        axis -= 1
      }
      if axis < 0 { return offsets }
    }
  }

  /// The byte offset in the block of the chunk at `offset` if the chunk lies inside the
  /// block as one contiguous run (inside it, and as wide as it on every axis but the first).
  func contiguousPlace(of offset: [Int], elementSize: Int) -> Int? {
    for axis in offset.indices {
      guard offset[axis] >= start[axis], offset[axis] + chunk[axis] <= start[axis] + count[axis]
      else { return nil }
      if axis > 0, chunk[axis] != count[axis] { return nil }
    }
    return (offset[0] - start[0]) * count.dropFirst().reduce(elementSize, *)
  }

  /// Copies the part of the decoded chunk at `offset` that lies in the block, one run along
  /// the last axis at a time.
  func copy(
    chunkAt offset: [Int], from chunkData: UnsafeRawPointer,
    into block: UnsafeMutableRawBufferPointer, elementSize: Int
  ) {
    let rank = offset.count
    let low = (0..<rank).map { max(offset[$0], start[$0]) }
    let high = (0..<rank).map { min(offset[$0] + chunk[$0], start[$0] + count[$0]) }
    let run = (high[rank - 1] - low[rank - 1]) * elementSize
    var index = low
    while true {
      var from = 0
      var to = 0
      for axis in 0..<rank {
        from = from * chunk[axis] + (index[axis] - offset[axis])
        to = to * count[axis] + (index[axis] - start[axis])
      }
      (block.baseAddress! + to * elementSize).copyMemory(
        from: chunkData + from * elementSize, byteCount: run)
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < high[axis] { break }
        index[axis] = low[axis]
        axis -= 1
      }
      if axis < 0 { return }
    }
  }
}
