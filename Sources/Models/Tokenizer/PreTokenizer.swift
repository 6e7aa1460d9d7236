import Foundation

/// tokenizer.json's `pre_tokenizer`: cuts normalized text into the pieces BPE works on.
indirect enum PreTokenizer {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(TextPattern)
    case metaspace(replacement: String, prependScheme: String, split: Bool)
    case sequence([PreTokenizer])

    /// GPT-2's pattern, which ByteLevel uses when `use_regex` is on.
    static let gpt2Pattern = try? NSRegularExpression(pattern: #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)

    init?(json: Any?, file: String) throws {
        guard let json = json as? [String: Any] else { return nil }
        let type = json["type"] as? String ?? ""
        switch type {
        case "ByteLevel":
            self = .byteLevel(addPrefixSpace: json["add_prefix_space"] as? Bool ?? true, useRegex: json["use_regex"] as? Bool ?? true)
        case "Split":
            let behavior = (json["behavior"] as? String ?? "Isolated").lowercased()
            guard behavior == "isolated", (json["invert"] as? Bool ?? false) == false else {
                throw ModelError(file: file, "Split pre-tokenizer with behavior '\(behavior)' is not supported (only Isolated)")
            }
            self = .split(try TextPattern(json: json["pattern"], file: file))
        case "Metaspace":
            let scheme = json["prepend_scheme"] as? String ?? ((json["add_prefix_space"] as? Bool ?? true) ? "always" : "never")
            self = .metaspace(replacement: json["replacement"] as? String ?? "▁", prependScheme: scheme, split: json["split"] as? Bool ?? true)
        case "Sequence":
            self = .sequence(try ((json["pretokenizers"] as? [Any]) ?? []).compactMap { try PreTokenizer(json: $0, file: file) })
        default:
            throw ModelError(file: file, "pre_tokenizer '\(type)' is not supported")
        }
    }

    /// - Parameter isFirst: whether the text begins the input (Metaspace's "first" scheme).
    func apply(_ pieces: [String], isFirst: Bool) -> [String] {
        switch self {
        case .byteLevel(let addPrefixSpace, let useRegex):
            return pieces.flatMap { piece -> [String] in
                let spaced = addPrefixSpace && !piece.hasPrefix(" ") ? " " + piece : piece
                let parts = useRegex ? PreTokenizer.matches(of: PreTokenizer.gpt2Pattern, in: spaced) : [spaced]
                return parts.map(ByteLevel.encode)
            }
        case .split(let pattern):
            return pieces.flatMap { pattern.isolate($0) }
        case .metaspace(let replacement, let scheme, let split):
            return pieces.enumerated().flatMap { index, piece -> [String] in
                var text = piece.replacingOccurrences(of: " ", with: replacement)
                let prepend = scheme == "always" || (scheme == "first" && isFirst && index == 0)
                if prepend, !text.hasPrefix(replacement) { text = replacement + text }
                guard split else { return [text] }
                // Each piece starts at a replacement character (it stays with the word after it).
                var parts: [String] = []
                var current = String.UnicodeScalarView()
                let marker = replacement.unicodeScalars.first
                for scalar in text.unicodeScalars {
                    if scalar == marker, !current.isEmpty {
                        parts.append(String(current))
                        current = String.UnicodeScalarView()
                    }
                    current.append(scalar)
                }
                if !current.isEmpty { parts.append(String(current)) }
                return parts
            }
        case .sequence(let steps):
            return steps.reduce(pieces) { $1.apply($0, isFirst: isFirst) }
        }
    }

    /// The matches, sliced by UTF-16 offsets (see `TextPattern.isolate`).
    private static func matches(of regex: NSRegularExpression?, in text: String) -> [String] {
        guard let regex else { return [text] }
        let utf16 = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: utf16.length)).map { utf16.substring(with: $0.range) }
    }
}
