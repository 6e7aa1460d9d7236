/// GPT-2's byte-to-character table: every byte gets a printable character, so byte strings can
/// be BPE symbols. Printable Latin-1 bytes map to themselves; the other 68 bytes, in order, to
/// U+0100, U+0101, … (space becomes Ġ, newline Ċ).
enum ByteLevel {
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 0
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(0x100 + next) ?? " "
                next += 1
            }
        }
        return table
    }()

    static let bytes: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in characters.enumerated() { map[scalar] = UInt8(byte) }
        return map
    }()

    /// The text's UTF-8 bytes as byte-level characters.
    static func encode(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for byte in text.utf8 { out.append(characters[Int(byte)]) }
        return String(out)
    }

    /// Byte-level characters back to text; characters outside the table pass through as UTF-8,
    /// invalid UTF-8 becomes U+FFFD.
    static func decode(_ text: String) -> String {
        var data: [UInt8] = []
        for scalar in text.unicodeScalars {
            if let byte = bytes[scalar] { data.append(byte) } else { data.append(contentsOf: Array(String(scalar).utf8)) }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
