import Training

/// Lists of lists as safetensors store them: the values end to end in one tensor and the
/// lists' lengths in another, as pairs.safetensors and reference log-prob files do. Every value
/// read back is checked, so a corrupt file is an error naming the file, tensor and element
/// rather than a trap in a Float-to-integer conversion or a slice.
enum RaggedTensors {
    /// `values` cut into consecutive lists of `lengths[i]` values.
    /// - Throws: unless every length is a whole number ≥ 0 and together they cover `values` exactly.
    static func split<Element>(_ values: [Element], lengths: [Float], file: String, name: String,
                               lengthsName: String) throws -> [[Element]] {
        var lists: [[Element]] = []
        lists.reserveCapacity(lengths.count)
        var start = 0
        for (index, length) in lengths.enumerated() {
            guard let count = Int(exactly: length), count >= 0, count <= values.count - start else {
                throw PreferenceError(file, "tensor '\(lengthsName)' holds \(length) at element \(index), "
                                      + "which is not a length that fits the \(values.count) values of '\(name)'")
            }
            lists.append(Array(values[start..<(start + count)]))
            start += count
        }
        guard start == values.count else {
            throw PreferenceError(file, "tensor '\(lengthsName)' adds up to \(start), not the \(values.count) values of '\(name)'")
        }
        return lists
    }

    /// `values` as token ids: whole numbers from 0 to Int32.max.
    static func tokenIds(_ values: [Float], file: String, name: String) throws -> [Int32] {
        try values.enumerated().map { index, value in
            guard let id = Int32(exactly: value), id >= 0 else {
                throw PreferenceError(file, "tensor '\(name)' holds \(value) at element \(index), which is not a token id")
            }
            return id
        }
    }
}
