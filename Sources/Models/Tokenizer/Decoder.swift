import Foundation

/// tokenizer.json's `decoder`: turns tokens back into text.
indirect enum Decoder {
    case byteLevel
    case metaspace(replacement: String, stripLeadingSpace: Bool)
    case replace(pattern: TextPattern, content: String)
    case byteFallback
    case fuse
    case strip(content: String, start: Int, stop: Int)
    case sequence([Decoder])

    init?(json: Any?, file: String) throws {
        guard let json = json as? [String: Any] else { return nil }
        let type = json["type"] as? String ?? ""
        switch type {
        case "ByteLevel": self = .byteLevel
        case "Metaspace":
            let scheme = json["prepend_scheme"] as? String ?? ((json["add_prefix_space"] as? Bool ?? true) ? "always" : "never")
            self = .metaspace(replacement: json["replacement"] as? String ?? "▁", stripLeadingSpace: scheme != "never")
        case "Replace": self = .replace(pattern: try TextPattern(json: json["pattern"], file: file), content: json["content"] as? String ?? "")
        case "ByteFallback": self = .byteFallback
        case "Fuse": self = .fuse
        case "Strip":
            self = .strip(content: json["content"] as? String ?? " ", start: (json["start"] as? NSNumber)?.intValue ?? 0,
                          stop: (json["stop"] as? NSNumber)?.intValue ?? 0)
        case "Sequence":
            self = .sequence(try ((json["decoders"] as? [Any]) ?? []).compactMap { try Decoder(json: $0, file: file) })
        default:
            throw ModelError(file: file, "decoder '\(type)' is not supported")
        }
    }

    /// Applies the decoder to the tokens (tokenizers' decode_chain: each step maps token lists).
    func apply(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            return [ByteLevel.decode(tokens.joined())]
        case .metaspace(let replacement, let stripLeadingSpace):
            // As tokenizers does: in the first token every replacement character is dropped (not
            // only the leading one) unless the prepend scheme is "never"; elsewhere each is a space.
            return tokens.enumerated().map { index, token in
                let dropped = stripLeadingSpace && index == 0
                return token.replacingOccurrences(of: replacement, with: dropped ? "" : " ")
            }
        case .replace(let pattern, let content):
            return tokens.map { pattern.replaceAll(in: $0, with: content) }
        case .byteFallback:
            // Runs of <0xHH> tokens become the text their bytes spell; invalid UTF-8 becomes U+FFFD per byte.
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let text = String(validating: pending, as: UTF8.self) {
                    out.append(text)
                } else {
                    out.append(contentsOf: pending.map { _ in "\u{FFFD}" })
                }
                pending = []
            }
            for token in tokens {
                if token.count == 6, token.hasPrefix("<0x"), token.hasSuffix(">"), let byte = UInt8(token.dropFirst(3).prefix(2), radix: 16) {
                    pending.append(byte)
                } else {
                    flush()
                    out.append(token)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                var scalars = Array(token.unicodeScalars)
                let marker = content.unicodeScalars.first
                var removed = 0
                while removed < start, scalars.first == marker { scalars.removeFirst(); removed += 1 }
                removed = 0
                while removed < stop, scalars.last == marker { scalars.removeLast(); removed += 1 }
                return String(String.UnicodeScalarView(scalars))
            }
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.apply($0) }
        }
    }
}
