/// Checks where the tensor records put their data, before any of it is read: every tensor at a
/// multiple of the alignment, inside the file, no two overlapping, no two with one name, and
/// nothing after the last one but its padding (a tensor count that is too small leaves data there).
enum GGUFPlacement {
    /// The index of each name in `records`.
    static func check(_ records: [GGUFTensorRecord], dataStart: Int, alignment: Int, fileSize: Int, file: String) throws -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, record) in records.enumerated() {
            guard index.updateValue(i, forKey: record.name) == nil else {
                throw ModelError(file: file, tensor: record.name, "appears twice; tensor names must be unique")
            }
        }
        guard !records.isEmpty else { return index }
        guard dataStart <= fileSize else {
            throw ModelError(file: file, "its data section would start at byte \(dataStart), past the end of the file (\(fileSize) bytes); the file is truncated")
        }
        let dataSize = UInt64(fileSize - dataStart)
        for record in records {
            guard record.offset % UInt64(alignment) == 0 else {
                throw ModelError(file: file, tensor: record.name, "starts at offset \(record.offset), not a multiple of the alignment \(alignment)")
            }
            guard record.offset <= dataSize, UInt64(record.byteCount) <= dataSize - record.offset else {
                throw ModelError(file: file, tensor: record.name, "needs bytes \(record.offset)..<\(record.offset &+ UInt64(record.byteCount)) of the data section, which has \(dataSize); the file is truncated or the record is wrong")
            }
        }
        var end: UInt64 = 0
        var previous: String?
        for record in records.sorted(by: { $0.offset < $1.offset }) {
            if let previous, record.offset < end {
                throw ModelError(file: file, tensor: record.name, "overlaps tensor '\(previous)' (it starts at offset \(record.offset), before that one ends at \(end))")
            }
            end = record.offset + UInt64(record.byteCount)
            previous = record.name
        }
        let padded = end + (UInt64(alignment) - end % UInt64(alignment)) % UInt64(alignment)
        guard dataSize <= padded else {
            throw ModelError(file: file, "has \(dataSize - padded) bytes after the last tensor's data; the tensor count or the records are wrong")
        }
        return index
    }
}
