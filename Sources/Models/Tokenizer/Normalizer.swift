import Foundation

/// tokenizer.json's `normalizer`: rewrites the text (outside added tokens) before pre-tokenizing.
indirect enum Normalizer {
    case nfc, nfd, nfkc, nfkd, lowercase
    case prepend(String)
    case replace(pattern: TextPattern, content: String)
    case sequence([Normalizer])

    init?(json: Any?, file: String) throws {
        guard let json = json as? [String: Any] else { return nil }
        let type = json["type"] as? String ?? ""
        switch type {
        case "NFC": self = .nfc
        case "NFD": self = .nfd
        case "NFKC": self = .nfkc
        case "NFKD": self = .nfkd
        case "Lowercase": self = .lowercase
        case "Prepend": self = .prepend(json["prepend"] as? String ?? "")
        case "Replace":
            self = .replace(pattern: try TextPattern(json: json["pattern"], file: file), content: json["content"] as? String ?? "")
        case "Sequence":
            self = .sequence(try ((json["normalizers"] as? [Any]) ?? []).compactMap { try Normalizer(json: $0, file: file) })
        default:
            throw ModelError(file: file, "normalizer '\(type)' is not supported")
        }
    }

    func apply(_ text: String) -> String {
        switch self {
        case .nfc: return text.precomposedStringWithCanonicalMapping
        case .nfd: return text.decomposedStringWithCanonicalMapping
        case .nfkc: return text.precomposedStringWithCompatibilityMapping
        case .nfkd: return text.decomposedStringWithCompatibilityMapping
        case .lowercase: return text.lowercased()
        case .prepend(let prefix): return text.isEmpty ? text : prefix + text
        case .replace(let pattern, let content): return pattern.replaceAll(in: text, with: content)
        case .sequence(let steps): return steps.reduce(text) { $1.apply($0) }
        }
    }
}

/// A `{"String": …}` or `{"Regex": …}` pattern of tokenizer.json.
struct TextPattern {
    let regex: NSRegularExpression

    init(json: Any?, file: String) throws {
        let map = json as? [String: Any]
        let source: String
        if let literal = map?["String"] as? String {
            source = NSRegularExpression.escapedPattern(for: literal)
        } else if let pattern = map?["Regex"] as? String {
            source = pattern
        } else {
            throw ModelError(file: file, "a pattern must be {\"String\": …} or {\"Regex\": …}")
        }
        do {
            regex = try NSRegularExpression(pattern: source)
        } catch {
            throw ModelError(file: file, "pattern \(source) is not a valid regular expression")
        }
    }

    func replaceAll(in text: String, with content: String) -> String {
        regex.stringByReplacingMatches(in: text, range: NSRange(location: 0, length: (text as NSString).length),
                                       withTemplate: NSRegularExpression.escapedTemplate(for: content))
    }

    /// The text cut into pieces: each match, and each stretch between matches.
    /// Slicing goes through UTF-16 offsets: a match may end inside a grapheme cluster (e + U+0301),
    /// where Swift's `Range(_:in:)` gives no index.
    func isolate(_ text: String) -> [String] {
        let utf16 = text as NSString
        var pieces: [String] = []
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: utf16.length)) where match.range.length > 0 {
            if last < match.range.location { pieces.append(utf16.substring(with: NSRange(location: last, length: match.range.location - last))) }
            pieces.append(utf16.substring(with: match.range))
            last = match.range.location + match.range.length
        }
        if last < utf16.length { pieces.append(utf16.substring(from: last)) }
        return pieces
    }
}
