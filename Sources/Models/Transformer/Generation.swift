import Base
import Foundation
import Tensor

extension TransformerModel {
    /// How to pick each next token.
    public struct Sampling: Sendable {
        /// 0 picks the most likely token (greedy).
        public var temperature: Double = 0
        /// Keep only the k most likely tokens; nil or 0 keeps all.
        public var topK: Int?
        /// Keep the smallest set of tokens whose probability reaches p; nil keeps all.
        public var topP: Double?
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Token ids continuing `prompt` until `maxTokens` are made, an EOS id appears (not included),
    /// or the decoded text contains a stop string (cut before it, when a tokenizer is present).
    /// After the prompt, each step feeds only the new token, reusing earlier keys and values (a KV cache).
    ///
    /// This runs the generic tensor forward and is the test oracle of the training engine's
    /// inference path (`InferenceModel`), which the language and the evaluations use.
    public func generate(prompt: [Int], maxTokens: Int, sampling: Sampling = Sampling(), stop: [String] = []) throws -> [Int] {
        let cache = KVCache(layers: config.layers)
        return try Self.generate(config: config, tokenizer: tokenizer, prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                                 stop: stop) { pending in
            let step = try GradMode.withoutGrad { try forward(pending, cache: cache) }
            return try step.select(axis: 0, index: pending.count - 1).scalars
        }
    }

    /// The decoding loop of `generate` over any forward: `next(pending)` feeds the tokens not yet
    /// seen (the prompt, then each new token) and returns the last position's logits [V]. Every
    /// forward gets the same checks, stopping rules and random draws, so the same seed picks the
    /// same tokens whichever forward computes the logits.
    public static func generate(config: ModelConfig, tokenizer: Tokenizer?, prompt: [Int], maxTokens: Int, sampling: Sampling,
                                stop: [String], next: (_ pending: [Int]) throws -> [Float]) throws -> [Int] {
        guard !prompt.isEmpty else { throw ModelError(file: "model", "generation needs a prompt of at least one token") }
        guard maxTokens >= 0 else { throw ModelError(file: "model", "max_tokens must not be negative") }
        // Checked one by one so the message names the option (NaN fails every comparison, so it
        // needs its own wording rather than "negative").
        guard sampling.temperature.isFinite else { throw ModelError(file: "model", "temperature must be a finite number, got \(sampling.temperature.isNaN ? "NaN" : "\(sampling.temperature)")") }
        guard sampling.temperature >= 0 else { throw ModelError(file: "model", "temperature must not be negative, got \(sampling.temperature)") }
        if let k = sampling.topK, k < 0 { throw ModelError(file: "model", "top_k must not be negative, got \(k) (0 or nil keeps every token)") }
        if let p = sampling.topP, !(p > 0 && p <= 1) { throw ModelError(file: "model", "top_p must be in (0, 1], got \(p)") }
        if stop.contains("") { throw ModelError(file: "model", "stop strings must not be empty") }
        try config.checkPositions(prompt.count)
        if let problem = config.vocabularyProblem(in: prompt) { throw ModelError(file: "model", problem) }
        var generator = RandomGenerator(seed: sampling.seed)
        var ids = prompt
        var made: [Int] = []
        var pending = prompt
        for _ in 0..<maxTokens {
            if config.descriptor.learnsPositions, ids.count >= config.maxPositions { break }
            let token = pick(try next(pending), sampling, &generator)
            pending = [token]
            if config.eosTokenIds.contains(token) { break }
            ids.append(token)
            made.append(token)
            if !stop.isEmpty, let tokenizer, let text = try? tokenizer.decode(made), stop.contains(where: { text.contains($0) }) { break }
        }
        return made
    }

    /// The greedy choice: the first index of the largest logit (0 for none).
    public static func greedyToken(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in logits.indices.dropFirst() where logits[i] > logits[best] { best = i }
        return best
    }

    private static func pick(_ logits: [Float], _ sampling: Sampling, _ generator: inout RandomGenerator) -> Int {
        guard sampling.temperature > 0 else { return logits.withUnsafeBufferPointer(greedyToken) }
        var order = logits.indices.sorted { logits[$0] > logits[$1] }
        if let k = sampling.topK, k > 0 { order = Array(order.prefix(k)) }
        let peak = Double(logits[order[0]])
        var weights = order.map { Foundation.exp((Double(logits[$0]) - peak) / sampling.temperature) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        if let p = sampling.topP, p < 1 {
            var kept = 0, mass = 0.0
            while kept < weights.count, mass < p { mass += weights[kept]; kept += 1 }
            order = Array(order.prefix(Swift.max(1, kept)))
            weights = Array(weights.prefix(Swift.max(1, kept)))
        }
        var draw = Double(generator.nextUniform()) * weights.reduce(0, +)
        for (index, weight) in zip(order, weights) {
            draw -= weight
            if draw < 0 { return index }
        }
        return order.last ?? 0
    }
}
