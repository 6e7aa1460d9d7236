import Foundation

/// The BPE model of tokenizer.json: a vocabulary, merges ranked by their order, and the
/// fallbacks for symbols outside the vocabulary.
struct BPEModel {
    let vocab: [String: Int]
    let tokens: [Int: String]
    /// Rank of the merge of a pair, and the token it makes.
    private let merges: [Pair: (rank: Int, result: Int)]
    let unknown: Int?
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool

    private struct Pair: Hashable {
        let left: Int
        let right: Int
    }

    init(json: [String: Any], file: String) throws {
        guard let vocab = json["vocab"] as? [String: Any] else { throw ModelError(file: file, "model.vocab is missing") }
        var ids: [String: Int] = [:]
        for (token, value) in vocab {
            guard let number = value as? NSNumber else { throw ModelError(file: file, "model.vocab['\(token)'] is not an id") }
            ids[token] = number.intValue
        }
        self.vocab = ids
        tokens = Dictionary(ids.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        var table: [Pair: (Int, Int)] = [:]
        for (rank, entry) in ((json["merges"] as? [Any]) ?? []).enumerated() {
            let parts: [String]
            if let pair = entry as? [String] {
                parts = pair
            } else if let line = entry as? String {
                if line.hasPrefix("#version") { continue }
                parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                throw ModelError(file: file, "merge \(rank) is neither a pair nor a string")
            }
            guard parts.count == 2 else { throw ModelError(file: file, "merge \(rank) does not have two parts") }
            guard let left = ids[parts[0]], let right = ids[parts[1]], let result = ids[parts[0] + parts[1]] else {
                throw ModelError(file: file, "merge \(rank) ('\(parts[0])', '\(parts[1])') uses tokens missing from the vocabulary")
            }
            let key = Pair(left: left, right: right)
            if table[key] == nil { table[key] = (rank, result) }
        }
        merges = table.mapValues { (rank: $0.0, result: $0.1) }
        if let name = json["unk_token"] as? String {
            guard let id = ids[name] else { throw ModelError(file: file, "unk_token '\(name)' is not in the vocabulary") }
            unknown = id
        } else {
            unknown = nil
        }
        fuseUnknown = json["fuse_unk"] as? Bool ?? false
        byteFallback = json["byte_fallback"] as? Bool ?? false
        ignoreMerges = json["ignore_merges"] as? Bool ?? false
    }

    /// The merges in rank order, as token pairs.
    var orderedMerges: [(left: String, right: String)] {
        merges.sorted { $0.value.rank < $1.value.rank }.compactMap { pair, _ in
            guard let left = tokens[pair.left], let right = tokens[pair.right] else { return nil }
            return (left, right)
        }
    }

    /// The ids of one pre-tokenized piece.
    func encode(_ piece: String) -> [Int] {
        if ignoreMerges, let id = vocab[piece] { return [id] }
        // Symbols start as single Unicode scalars (never Characters: combining marks are symbols of their own).
        var symbols: [(id: Int?, text: String)] = piece.unicodeScalars.map { scalar in
            let text = String(scalar)
            return (vocab[text], text)
        }
        // Repeatedly merge the adjacent pair of lowest rank, leftmost first: the order of tokenizers'
        // (rank, position) priority queue.
        while symbols.count > 1 {
            var best: (rank: Int, index: Int, result: Int)?
            for i in 0..<(symbols.count - 1) {
                guard let left = symbols[i].id, let right = symbols[i + 1].id,
                      let merge = merges[Pair(left: left, right: right)] else { continue }
                if merge.rank < best?.rank ?? Int.max { best = (merge.rank, i, merge.result) }
            }
            guard let merge = best else { break }
            symbols[merge.index] = (merge.result, symbols[merge.index].text + symbols[merge.index + 1].text)
            symbols.remove(at: merge.index + 1)
        }
        var ids: [Int] = []
        var lastWasUnknown = false
        for symbol in symbols {
            if let id = symbol.id {
                ids.append(id)
                lastWasUnknown = false
                continue
            }
            if byteFallback {
                let bytes = symbol.text.utf8.map { vocab[String(format: "<0x%02X>", $0)] }
                if bytes.allSatisfy({ $0 != nil }) {
                    ids.append(contentsOf: bytes.compactMap { $0 })
                    lastWasUnknown = false
                    continue
                }
            }
            guard let unknown else { continue }
            if !(fuseUnknown && lastWasUnknown) { ids.append(unknown) }
            lastWasUnknown = true
        }
        return ids
    }
}
