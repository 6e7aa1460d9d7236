import Base
import Foundation
import Models
import Tensor

/// Log-probabilities of given targets: per position, log p(target) and whether the target is the
/// first arg-max (what greedy decoding picks); 0 and false where the target is −1.
public struct TargetScores: Equatable {
    public var logprobs: [Float]
    public var greedy: [Bool]
}

/// The engine's forward for scoring and generation: the training engine's blocks and kernels
/// run forward only, with no autograd tape and no activation kept past the block computing it
/// (see `InferencePass`).
///
/// Built over a `TransformerModel`'s own weight tensors (nothing copied, so building one per call
/// is cheap and always sees the weights training left in the model), or over a `TrainableModel`'s
/// stores with its LoRA adapters. The generic tensor forward of `TransformerModel` (`logits`,
/// `tokenLogprobs`, `generate`) stays as the oracle this one is tested against.
public final class InferenceModel {
    public let config: ModelConfig
    public let tokenizer: Tokenizer?
    let lora: LoRAConfig?
    let layers: [any InferenceLayer]
    let shared: SharedWeights
    /// The base weights the blocks are bound to, by name.
    private let weights: any WeightSource
    /// What owns the memory the bound pointers read: the model's tensors or the engine's stores.
    private let owner: Any
    /// The buffers of the last scoring shape, reused while calls keep it (a reference pass scores
    /// every batch but the last at one shape). Not for scoring from several threads at once.
    private var scoringPass: InferencePass?

    public convenience init(model: TransformerModel) throws {
        let weights = TensorWeights(model.weights)
        try self.init(config: model.config, tokenizer: model.tokenizer, weights: weights, adapters: nil, lora: nil, owner: weights)
    }

    /// The engine's current weights, adapters included (dropout off).
    public convenience init(engine: TrainableModel) throws {
        try self.init(config: engine.config, tokenizer: engine.tokenizer, weights: engine.weights, adapters: engine.adapters,
                      lora: engine.lora, owner: engine)
    }

    private init(config c: ModelConfig, tokenizer: Tokenizer?, weights: any WeightSource, adapters: ParameterStore?,
                 lora: LoRAConfig?, owner: Any) throws {
        let binding = try EngineBinding(config: c, weights: weights, adapters: adapters, lora: lora)
        config = c
        self.tokenizer = tokenizer
        self.lora = lora
        self.weights = weights
        self.owner = owner
        (layers, shared) = (binding.layers, binding.shared)
    }

    // MARK: Scoring

    /// log p(target) at each of the B·T positions of `inputs`, as `TrainableModel.forward` gives
    /// them; logits are computed only at positions with a target.
    /// - Parameters:
    ///   - inputs: token ids, B·T, row-major; each row a sequence from position 0.
    ///   - targets: the next token at each position, or −1 where the position is not scored.
    public func logprobs(inputs: [Int32], targets: [Int32], batch: Int, length: Int) throws -> [Float] {
        try scan(inputs: inputs, targets: targets, batch: batch, length: length, greedy: false).logprobs
    }

    /// `logprobs` with, at each position, whether the target is the first arg-max (a scan of
    /// every logit of the position, which `logprobs` skips).
    public func score(inputs: [Int32], targets: [Int32], batch: Int, length: Int) throws -> TargetScores {
        try scan(inputs: inputs, targets: targets, batch: batch, length: length, greedy: true)
    }

    private func scan(inputs: [Int32], targets: [Int32], batch: Int, length: Int, greedy: Bool) throws -> TargetScores {
        try validate(inputs: inputs, targets: targets, batch: batch, length: length)
        let pass = try scoringPass(batch: batch, length: length)
        let step = InferenceStep(rows: length, start: 0)
        run(inputs, step, in: pass)
        var scores = TargetScores(logprobs: [Float](repeating: 0, count: inputs.count), greedy: [Bool](repeating: false, count: greedy ? inputs.count : 0))
        let scored = targets.indices.filter { targets[$0] >= 0 }
        let v = config.vocabSize
        var chunk = 0
        while chunk < scored.count {
            let rows = Array(scored[chunk..<min(scored.count, chunk + InferencePass.logitRows)])
            let wanted = rows.map { targets[$0] }
            head(rows, in: pass)
            let logits = pass.logits, logprobs = pass.logprobs
            wanted.withUnsafeBufferPointer { t in
                Parallel.forEachRange(rows.count, cost: v * 2) { chunkRows in
                    for i in chunkRows {
                        logprobs[i] = logits[i * v + Int(t[i])] - TokenLogprobs.logSumExp(logits + i * v, count: v)
                    }
                }
            }
            for (i, row) in rows.enumerated() {
                scores.logprobs[row] = logprobs[i]
                if greedy { scores.greedy[row] = TransformerModel.greedyToken(UnsafeBufferPointer(start: logits + i * v, count: v)) == Int(wanted[i]) }
            }
            chunk += rows.count
        }
        return scores
    }

    /// The buffers for scoring `batch` sequences of `length` tokens: the last call's when it had
    /// this shape, else new ones, their memory checked first.
    private func scoringPass(batch: Int, length: Int) throws -> InferencePass {
        if let pass = scoringPass, pass.batch == batch, pass.length == length { return pass }
        scoringPass = nil
        try MemoryNeed(parts: [("buffers of \(batch) × \(length) tokens", InferencePass.floatsNeeded(config, lora: lora, batch: batch, length: length))])
            .check(place: "batch", subject: "scoring \(batch) sequences of \(length) tokens", advice: "score fewer or shorter sequences",
                   limit: TensorLimits.maximumElements)
        let pass = InferencePass(config, lora: lora, batch: batch, length: length)
        scoringPass = pass
        return pass
    }

    /// log p(ids[t] | ids[<t]) for t = `first` … T−1 (`first` ≥ 1), one sequence.
    public func tokenLogprobs(_ ids: [Int], from first: Int = 1) throws -> [Float] {
        guard ids.count >= 2 else { throw TrainingError("ids", "token log-probs need at least two tokens") }
        guard (1..<ids.count).contains(first) else { throw TrainingError("ids", "the first scored token must be one of 1 … \(ids.count - 1), got \(first)") }
        let inputs = ids.dropLast().map { Int32(truncatingIfNeeded: $0) }
        let targets = ids.indices.dropFirst().map { $0 >= first ? Int32(truncatingIfNeeded: ids[$0]) : -1 }
        return Array(try logprobs(inputs: inputs, targets: targets, batch: 1, length: ids.count - 1)[(first - 1)...])
    }

    private func validate(inputs: [Int32], targets: [Int32], batch: Int, length: Int) throws {
        guard batch >= 1, length >= 1 else { throw TrainingError("batch", "needs at least one sequence of at least one token") }
        guard inputs.count == batch * length, targets.count == batch * length else {
            throw TrainingError("batch", "\(inputs.count) inputs and \(targets.count) targets do not fill \(batch) × \(length)")
        }
        try config.checkPositions(length)
        if let problem = config.vocabularyProblem(in: inputs) ?? config.vocabularyProblem(in: targets, unscored: -1) {
            throw TrainingError("ids", problem)
        }
    }

    /// Feeds `body` the base weights' bytes as a `TrainableModel`'s parameter store holds them:
    /// each weight of `TransformerModel.expectedShapes` in that order, each followed by the zeros
    /// of the store's alignment padding. A hash of them (the reference cache's key) is therefore
    /// the same over a model's own tensors as over an engine's store of the same values.
    public func forEachWeightBytes(_ body: (UnsafeRawBufferPointer) -> Void) throws {
        let padding = [Float](repeating: 0, count: ParameterStore.alignment)
        for (name, shape) in TransformerModel.expectedShapes(config) {
            guard let values = weights.value(name) else { throw TrainingError(name, "missing weight") }
            let count = shape.reduce(1, *)
            body(UnsafeRawBufferPointer(start: values, count: count * MemoryLayout<Float>.stride))
            padding.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0.prefix((ParameterStore.aligned(count) - count) * MemoryLayout<Float>.stride))) }
        }
    }

    // MARK: Generation

    /// `TransformerModel.generate`'s decoding (same checks, stopping rules and random draws) over
    /// this forward: the prompt is prefilled with GEMMs into a KV cache, then each new token is
    /// one row through every block, and only the last position's logits are computed.
    public func generate(prompt: [Int], maxTokens: Int, sampling: TransformerModel.Sampling = .init(), stop: [String] = []) throws -> [Int] {
        var decoder: Decoder?
        return try TransformerModel.generate(config: config, tokenizer: tokenizer, prompt: prompt, maxTokens: maxTokens,
                                             sampling: sampling, stop: stop) { pending in
            if decoder == nil { decoder = try Decoder(self, prompt: prompt.count, maxTokens: maxTokens) }
            return try decoder!.next(pending.map { Int32(truncatingIfNeeded: $0) })
        }
    }

    /// A KV cache and the buffers of one sequence being decoded.
    struct Decoder {
        /// Positions a cache is first made for beyond the prompt: a request for 100 000 new tokens
        /// should not reserve their keys and values before the first EOS.
        static let firstReserve = 1024
        let model: InferenceModel
        let prompt: Int
        var pass: InferencePass
        var position = 0

        init(_ model: InferenceModel, prompt: Int, maxTokens: Int) throws {
            self.model = model
            self.prompt = prompt
            pass = try Self.pass(model, prompt: prompt, capacity: prompt + min(maxTokens, Self.firstReserve))
        }

        private static func pass(_ model: InferenceModel, prompt: Int, capacity: Int) throws -> InferencePass {
            try MemoryNeed(parts: [("a KV cache of \(capacity) positions", InferencePass.floatsNeeded(model.config, lora: model.lora, batch: 1,
                                                                                                          length: prompt, cached: capacity))])
                .check(place: "max_tokens", subject: "generating \(capacity) positions", advice: "lower max_tokens",
                       limit: TensorLimits.maximumElements)
            return InferencePass(model.config, lora: model.lora, batch: 1, length: prompt, cached: capacity)
        }

        /// Feeds `tokens` after the positions already cached; returns the last one's logits [V].
        mutating func next(_ tokens: [Int32]) throws -> [Float] {
            if position + tokens.count > pass.capacity {
                let grown = try Self.pass(model, prompt: prompt, capacity: 2 * pass.capacity)
                grown.copyCache(from: pass, positions: position)
                pass = grown
            }
            let step = InferenceStep(rows: tokens.count, start: position)
            model.run(tokens, step, in: pass)
            position += tokens.count
            model.head([tokens.count - 1], in: pass)
            return Array(UnsafeBufferPointer(start: pass.logits, count: model.config.vocabSize))
        }
    }

    // MARK: Forward

    /// The blocks over the rows of `step`, leaving the last block's output in `pass.stream`.
    fileprivate func run(_ tokens: [Int32], _ step: InferenceStep, in pass: InferencePass) {
        pass.embed(tokens, step, table: shared.tokens, positions: shared.positions)
        for (index, layer) in layers.enumerated() { layer.infer(layer: index, step, in: pass) }
    }

    /// Logits of the given stream rows (at most `logitRows`) into `pass.logits`: gathered, normed, projected.
    fileprivate func head(_ rows: [Int], in pass: InferencePass) {
        let (h, m) = (config.hiddenSize, rows.count)
        for (i, row) in rows.enumerated() { (pass.headInput + i * h).update(from: pass.stream + row * h, count: h) }
        switch shared.finalNorm {
        case .layer(let w):
            pass.norm.layerForward(pass.headInput, rows: m, weight: w.weight, bias: w.bias, into: pass.headNormed,
                                   mean: pass.headMean, rstd: pass.headRstd)
        case .rms(let w):
            pass.norm.rmsForward(pass.headInput, rows: m, weight: w.weight, into: pass.headNormed, rstd: pass.headRstd)
        }
        shared.head.infer(pass.headNormed, rows: m, into: pass.logits, scratch: pass.adapterScratch)  // [m, V]
    }
}
