import Base
import Foundation

/// Word n-gram overlap between a training file and a benchmark file, by lm-evaluation-harness's
/// decontamination rule (`lm_eval/decontamination/janitor.py` and `decontaminate.py`): texts are
/// normalised (ASCII letters lower-cased, ASCII punctuation deleted), split on whitespace, and a
/// benchmark item counts as contaminated when any of its n-grams (13 by default) occurs in any
/// training document. An item of fewer than n words has no n-gram and is never contaminated.
public enum NGramOverlap {
    /// lm-evaluation-harness's (and GPT-3's largest) n.
    public static let defaultN = 13

    /// One benchmark item's overlap.
    public struct Item: Equatable, Sendable {
        public var origin: String
        /// The item's distinct n-grams, and how many of them occur in the training file.
        public var ngrams: Int
        public var matched: Int
        public var contaminated: Bool { matched > 0 }
    }

    public struct Result: Equatable, Sendable {
        public var items: [Item]
        public var n: Int
        /// Training documents read.
        public var documents: Int
        /// The share of benchmark items with at least one n-gram in the training file.
        public var overlap: Double? { items.isEmpty ? nil : Double(items.filter(\.contaminated).count) / Double(items.count) }
    }

    /// `Janitor.normalize_string`: `str.translate` with ASCII upper-case mapped to lower-case and
    /// `string.punctuation` deleted; every other character is kept.
    public static func normalized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isASCII, punctuation.contains(scalar) { continue }
            out.append(scalar.isASCII && ("A"..."Z").contains(scalar) ? Unicode.Scalar(UInt8(scalar.value) + 32) : scalar)
        }
        return String(out)
    }

    /// The word n-grams of a normalised text (`word_ngrams`: words joined by single spaces).
    public static func ngrams(_ text: String, n: Int) -> [String] {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard n >= 1, words.count >= n else { return [] }
        return (0...(words.count - n)).map { words[$0..<($0 + n)].joined(separator: " ") }
    }

    /// The overlap of each benchmark sample (`BenchmarkSample`) of `benchmarkPath` with the training
    /// file at `trainingPath`. A `.jsonl` training file is read line by line, each string in each
    /// object (nested ones included) being one document; any other file is one document.
    public static func measure(trainingPath: String, benchmarkPath: String, n: Int = defaultN) throws -> Result {
        guard n >= 1 else { throw PreferenceError("n", "must be at least 1, got \(n)") }
        let samples = try BenchmarkSample.read(path: benchmarkPath)
        // As lm-evaluation-harness does, look the training n-grams up in the benchmark's (the smaller set).
        let benchmarkNGrams = samples.map { Set(ngrams(normalized($0.text), n: n)) }
        let wanted = benchmarkNGrams.reduce(into: Set<String>()) { $0.formUnion($1) }
        var found = Set<String>()
        let documents = try trainingDocuments(trainingPath)
        for document in documents {
            for gram in ngrams(normalized(document), n: n) where wanted.contains(gram) { found.insert(gram) }
        }
        let items = zip(samples, benchmarkNGrams).map { sample, grams in
            Item(origin: sample.origin, ngrams: grams.count, matched: grams.filter(found.contains).count)
        }
        return Result(items: items, n: n, documents: documents.count)
    }

    /// `string.punctuation`.
    private static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    private static func trainingDocuments(_ path: String) throws -> [String] {
        guard path.hasSuffix(".jsonl") else {
            return [String(decoding: try ReadableFile.contents(path, noun: "training file"), as: UTF8.self)]
        }
        return try JSONLines.read(path, noun: "pair").flatMap { line in line.object.keys.sorted().flatMap { strings(in: line.object[$0] as Any) } }
    }

    /// Every string inside a JSON value.
    private static func strings(in value: Any) -> [String] {
        if let text = value as? String { return [text] }
        if let list = value as? [Any] { return list.flatMap(strings) }
        if let object = value as? [String: Any] { return object.keys.sorted().flatMap { strings(in: object[$0] as Any) } }
        return []
    }
}
