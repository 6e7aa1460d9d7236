import Foundation
import Models
import Tensor
import Training

/// The frozen reference model's log-probs of every pair: the completion sums the losses use and
/// the per-token values the probes compare against. Computed once, without gradients, and kept
/// on disk under a key of the reference model (configuration and weights), the pairs and the
/// row length.
public struct ReferenceLogprobs: Equatable {
    public var chosen: [Double]
    public var rejected: [Double]
    /// Per pair, the completion's token log-probs (as many as the row holds after truncation).
    public var chosenTokens: [[Float]]
    public var rejectedTokens: [[Float]]

    /// Runs the inference forward over all pairs, `batch` pairs at a time: the reference is
    /// evaluated, not trained, so nothing is kept for a backward pass, and when it is the policy's
    /// own engine its dropout stream does not advance (else a cache hit and a miss would train
    /// differently).
    static func compute(_ inference: InferenceModel, pairs: [PairTokens], length: Int, batch: Int) throws -> ReferenceLogprobs {
        var result = ReferenceLogprobs(chosen: [], rejected: [], chosenTokens: [], rejectedTokens: [])
        var start = 0
        while start < pairs.count {
            let slice = Array(pairs[start..<min(start + batch, pairs.count)])
            let rows = PairRows(slice, length: length)
            let logprobs = try inference.logprobs(inputs: rows.inputs, targets: rows.targets, batch: 2 * slice.count, length: length)
            for p in 0..<slice.count {
                let (c, r) = (2 * p, 2 * p + 1)
                // Rounded to Float32 as the file stores them, so a resumed run sees the same values.
                result.chosen.append(Double(Float(rows.sum(logprobs, row: c, from: rows.promptEnd[c], to: rows.end[c]))))
                result.rejected.append(Double(Float(rows.sum(logprobs, row: r, from: rows.promptEnd[r], to: rows.end[r]))))
                result.chosenTokens.append(Array(logprobs[(c * length + rows.promptEnd[c])..<(c * length + rows.end[c])]))
                result.rejectedTokens.append(Array(logprobs[(r * length + rows.promptEnd[r])..<(r * length + rows.end[r])]))
            }
            start += batch
        }
        return result
    }

    /// A key of the reference model, the pairs, the row length and the kernel mode and set (FNV-1a,
    /// 64 bits, in hex). The weights alone do not determine the log-probs: the same values read as
    /// 4 or 8 heads, or under another RoPE base, give others, so the key covers `forwardSignature`
    /// too; and another kernel set sums in another order, so a run with other kernels must not
    /// pick up these values (DPOP's penalty switches on the sign of differences that small). The
    /// mode is in the key as well, so that a reproducible run never reads values a fast run left,
    /// even where both modes run the same set.
    /// The weights are hashed as a `TrainableModel`'s store lays them out (`forEachWeightBytes`),
    /// so the key is the same whether the reference is a separate model or the policy's engine.
    static func key(model: InferenceModel, pairs: [PairTokens], length: Int, kernels: KernelsInUse = BLASCore.inUse) throws -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: UnsafeRawBufferPointer) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
        }
        Array((forwardSignature(model.config) + ";kernels=\(kernels.mode.rawValue);blas=\(kernels.set)").utf8).withUnsafeBytes(mix)
        try model.forEachWeightBytes(mix)
        for pair in pairs {
            for part in [pair.prompt, pair.chosen, pair.rejected, [-2]] { part.withUnsafeBytes(mix) }
        }
        withUnsafeBytes(of: length) { mix($0) }
        return String(hash, radix: 16)
    }

    /// Every configuration field that shapes the model's outputs, as text (Doubles in their
    /// exact shortest form). The token ids of `bosTokenId` and `eosTokenIds` are left out: the
    /// pairs already hold whatever tokens they hold.
    static func forwardSignature(_ c: ModelConfig) -> String {
        var fields = ["architecture=\(c.architecture.rawValue)", "vocab=\(c.vocabSize)", "hidden=\(c.hiddenSize)",
                      "intermediate=\(c.intermediateSize)", "layers=\(c.layers)", "heads=\(c.heads)", "kv_heads=\(c.kvHeads)",
                      "head_dim=\(c.headDim)", "max_positions=\(c.maxPositions)", "norm_epsilon=\(c.normEpsilon)",
                      "tie=\(c.tieWordEmbeddings)", "qkv_bias=\(c.qkvBias)", "output_bias=\(c.outputBias)", "mlp_bias=\(c.mlpBias)",
                      "sliding_window=\(c.slidingWindow.map(String.init) ?? "none")"]
        if let rope = c.rope {
            fields += ["rope=\(rope.kind.rawValue)", "rope_theta=\(rope.theta)", "rope_partial=\(rope.partialRotaryFactor)",
                       "rope_factor=\(rope.factor)", "rope_low=\(rope.lowFrequencyFactor)", "rope_high=\(rope.highFrequencyFactor)",
                       "rope_original_positions=\(rope.originalMaxPositions)"]
        } else {
            fields.append("rope=none")
        }
        return fields.joined(separator: ";")
    }

    func write(to file: String) throws {
        let flat: ([[Float]]) -> Tensor = { Tensor($0.flatMap { $0 }) }
        let lengths: ([[Float]]) -> Tensor = { Tensor($0.map { Float($0.count) }) }
        try SafetensorsWriter.write([("chosen", Tensor(chosen.map(Float.init))), ("rejected", Tensor(rejected.map(Float.init))),
                                     ("chosen_tokens", flat(chosenTokens)), ("rejected_tokens", flat(rejectedTokens)),
                                     ("chosen_lengths", lengths(chosenTokens)), ("rejected_lengths", lengths(rejectedTokens))],
                                    to: file)
    }

    /// Reads the log-probs `write` stored for `pairs` in rows of `length` positions, checking
    /// that every value is finite and that each pair's token log-probs are as many as its row
    /// scores: a corrupt or mismatched file is an error naming it and the tensor.
    static func read(_ file: String, pairs: [PairTokens], length: Int) throws -> ReferenceLogprobs {
        let saved: SafetensorsFile
        do { saved = try SafetensorsFile(path: file) } catch { throw PreferenceError(file, "\(error)") }
        func scalars(_ name: String) throws -> [Float] {
            do { return try saved.tensor(name).scalars } catch { throw PreferenceError(file, "\(error)") }
        }
        func logprobs(_ name: String) throws -> [Float] {
            let values = try scalars(name)
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw PreferenceError(file, "tensor '\(name)' holds \(values[index]) at element \(index), not a log-probability")
            }
            return values
        }
        func sums(_ name: String) throws -> [Double] {
            let sums = try logprobs(name)
            guard sums.count == pairs.count else {
                throw PreferenceError(file, "tensor '\(name)' holds log-probs of \(sums.count) pairs, not of the \(pairs.count) here")
            }
            return sums.map(Double.init)
        }
        func tokens(_ name: String, _ lengthsName: String, _ completion: KeyPath<PairTokens, [Int32]>) throws -> [[Float]] {
            let lists = try RaggedTensors.split(try logprobs(name), lengths: try scalars(lengthsName), file: file, name: name,
                                                lengthsName: lengthsName)
            guard lists.count == pairs.count else {
                throw PreferenceError(file, "tensor '\(lengthsName)' holds \(lists.count) lengths, not one for each of the \(pairs.count) pairs here")
            }
            for (index, pair) in pairs.enumerated() {
                let scored = pair.scoredTokens(pair[keyPath: completion], length: length)
                guard lists[index].count == scored else {
                    throw PreferenceError(file, "tensor '\(lengthsName)' gives pair \(index + 1) \(lists[index].count) tokens, but its row of \(length) positions scores \(scored)")
                }
            }
            return lists
        }
        return ReferenceLogprobs(chosen: try sums("chosen"), rejected: try sums("rejected"),
                                 chosenTokens: try tokens("chosen_tokens", "chosen_lengths", \.chosen),
                                 rejectedTokens: try tokens("rejected_tokens", "rejected_lengths", \.rejected))
    }
}
