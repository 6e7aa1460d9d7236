import Foundation
import Models
import Tensor
import Training

/// The frozen reference model's log-probs of every pair: the completion sums the losses use and
/// the per-token values the probes compare against. Computed once, without gradients, and kept
/// on disk under a key of the reference weights, the pairs and the row length.
public struct ReferenceLogprobs: Equatable {
    public var chosen: [Double]
    public var rejected: [Double]
    /// Per pair, the completion's token log-probs (as many as the row holds after truncation).
    public var chosenTokens: [[Float]]
    public var rejectedTokens: [[Float]]

    /// Runs `engine` forward over all pairs, `batch` pairs at a time, with dropout off: the
    /// reference is evaluated, not trained, and when it is the policy's own engine its dropout
    /// stream must not advance (else a cache hit and a miss would train differently).
    static func compute(_ engine: TrainableModel, pairs: [PairTokens], length: Int, batch: Int) throws -> ReferenceLogprobs {
        var result = ReferenceLogprobs(chosen: [], rejected: [], chosenTokens: [], rejectedTokens: [])
        var start = 0
        while start < pairs.count {
            let slice = Array(pairs[start..<min(start + batch, pairs.count)])
            let rows = PairRows(slice, length: length)
            let logprobs = try engine.forward(inputs: rows.inputs, targets: rows.targets, batch: 2 * slice.count, length: length, dropout: false)
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

    /// A key of the reference weights, the pairs and the row length (FNV-1a, 64 bits, in hex).
    static func key(weights: ParameterStore, pairs: [PairTokens], length: Int) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: UnsafeRawBufferPointer) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
        }
        mix(UnsafeRawBufferPointer(start: weights.values, count: weights.count * MemoryLayout<Float>.stride))
        for pair in pairs {
            for part in [pair.prompt, pair.chosen, pair.rejected, [-2]] { part.withUnsafeBytes(mix) }
        }
        withUnsafeBytes(of: length) { mix($0) }
        return String(hash, radix: 16)
    }

    func write(to file: String) throws {
        let flat: ([[Float]]) -> Tensor = { Tensor($0.flatMap { $0 }) }
        let lengths: ([[Float]]) -> Tensor = { Tensor($0.map { Float($0.count) }) }
        do {
            try SafetensorsWriter.write([("chosen", Tensor(chosen.map(Float.init))), ("rejected", Tensor(rejected.map(Float.init))),
                                         ("chosen_tokens", flat(chosenTokens)), ("rejected_tokens", flat(rejectedTokens)),
                                         ("chosen_lengths", lengths(chosenTokens)), ("rejected_lengths", lengths(rejectedTokens))],
                                        to: file)
        } catch { throw PreferenceError(file, "cannot write the reference log-probs: \(error)") }
    }

    static func read(_ file: String, pairs: Int) throws -> ReferenceLogprobs {
        do {
            let saved = try SafetensorsFile(path: file)
            func split(_ name: String, _ lengthName: String) throws -> [[Float]] {
                let values = try saved.tensor(name).scalars, lengths = try saved.tensor(lengthName).scalars.map { Int($0) }
                guard lengths.reduce(0, +) == values.count, lengths.allSatisfy({ $0 >= 0 }) else {
                    throw PreferenceError(file, "tensor '\(name)' does not match '\(lengthName)'")
                }
                var start = 0
                return lengths.map { count in defer { start += count }; return Array(values[start..<(start + count)]) }
            }
            let result = ReferenceLogprobs(chosen: try saved.tensor("chosen").scalars.map(Double.init),
                                           rejected: try saved.tensor("rejected").scalars.map(Double.init),
                                           chosenTokens: try split("chosen_tokens", "chosen_lengths"),
                                           rejectedTokens: try split("rejected_tokens", "rejected_lengths"))
            guard [result.chosen.count, result.rejected.count, result.chosenTokens.count, result.rejectedTokens.count].allSatisfy({ $0 == pairs }) else {
                throw PreferenceError(file, "holds reference log-probs of a different number of pairs than the \(pairs) here")
            }
            return result
        } catch let error as PreferenceError { throw error } catch { throw PreferenceError(file, "\(error)") }
    }
}
