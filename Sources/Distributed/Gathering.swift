import CMPI
import Foundation

/// Putting together on every rank what each rank computed alone: a data-parallel evaluation
/// scores a contiguous block of the items on each rank, and every rank then needs every result,
/// in item order, to return the single-process record.
extension World {
    /// Every rank's `bytes`, concatenated in rank order, on every rank. Ranks may send different
    /// lengths, including none.
    public func gather(_ bytes: [UInt8]) -> [UInt8] {
        guard usesMPI else { return bytes }
        var lengths = [Int64](repeating: 0, count: size)
        var length = Int64(bytes.count)
        MPI_Allgather(&length, 1, cmpi_int64(), &lengths, 1, cmpi_int64(), cmpi_comm_world())
        var gathered = [[UInt8]](repeating: [], count: size)
        // A round moves at most `piece` bytes of each rank's, so that the round's total, which
        // MPI counts in an Int32, fits however long the parts are.
        let piece = max(1, Self.largestCount / size)
        let longest = Int(lengths.max() ?? 0)
        for start in stride(from: 0, to: longest, by: piece) {
            let counts = lengths.map { Int32(min(max(Int($0) - start, 0), piece)) }
            let offsets = counts.indices.map { Int32(counts[..<$0].reduce(0, +)) }
            var received = [UInt8](repeating: 0, count: Int(counts.reduce(0, +)))
            bytes.withUnsafeBytes { sent in
                received.withUnsafeMutableBytes { receiving in
                    let own = counts[rank] > 0 ? sent.baseAddress.map { $0 + start } : nil
                    _ = MPI_Allgatherv(own, counts[rank], cmpi_byte(), receiving.baseAddress, counts, offsets, cmpi_byte(), cmpi_comm_world())
                }
            }
            for source in 0..<size {
                gathered[source] += received[Int(offsets[source])..<Int(offsets[source] + counts[source])]
            }
        }
        return Array(gathered.joined())
    }

    /// Every rank's `values`, concatenated in rank order, on every rank: how ranks that each
    /// computed a contiguous block of something (reference log-probs, a shard's pair figures)
    /// put the whole together. The numbers travel as their bytes, so each comes back bit for bit.
    public func gather(_ values: [Double]) -> [Double] { gatherBits(values) }

    public func gather(_ values: [Float]) -> [Float] { gatherBits(values) }

    private func gatherBits<Element: BitwiseCopyable>(_ values: [Element]) -> [Element] {
        guard usesMPI else { return values }
        let bytes = gather(values.withUnsafeBytes { Array($0) })
        let count = bytes.count / MemoryLayout<Element>.stride
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
    }

    /// Every rank's `items`, concatenated in rank order, on every rank. They travel as JSON, one
    /// line per item, which gives each `Double` back bit for bit (NaN and the infinities as
    /// strings), so the gathered list equals the one a single process computes. A world of one
    /// returns `items`.
    public func gather<Item: Codable>(_ items: [Item]) throws -> [Item] {
        guard usesMPI else { return items }
        return try Self.decoded(gather(try Self.encoded(items)), as: Item.self)
    }

    private static let nonFinite = (positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    private static let lineEnd = UInt8(ascii: "\n")

    /// Each item as a line of compact JSON, which escapes the line ends inside strings.
    static func encoded<Item: Encodable>(_ items: [Item]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
        return try items.flatMap { Array(try encoder.encode($0)) + [lineEnd] }
    }

    static func decoded<Item: Decodable>(_ lines: [UInt8], as: Item.Type) throws -> [Item] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: nonFinite.positiveInfinity, negativeInfinity: nonFinite.negativeInfinity, nan: nonFinite.nan)
        return try lines.split(separator: lineEnd).map { try decoder.decode(Item.self, from: Data($0)) }
    }
}
