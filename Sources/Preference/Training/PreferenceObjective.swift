import Base
import Distributed
import Foundation
import Models
import Tensor
import Training

/// A preference loss as the trainer uses it: the batch loss and its gradient with respect to
/// each pair's policy log-probs, and the figures logged with each step.
public protocol PairObjectiveLoss {
    func lossAndGradients(_ pairs: [PairLogprobs]) throws -> (loss: Double, gradients: [PairGradient])
    func metrics(_ pairs: [PairLogprobs]) -> [(name: String, value: Double)]
}

/// Preference optimisation (DPO, DPOP, IPO, …): each step scores `batch` pairs — chosen and
/// rejected rows in one forward pass — against reference log-probs computed once, and
/// back-propagates the loss's gradient into the completion tokens.
public final class PreferenceObjective: TrainingObjective {
    public let kind = ObjectiveKind.preference
    /// The loss settings, and once the reference is prepared its cache key.
    public private(set) var settings: [String: SettingValue]
    public let pairs: [PairTokens]
    let loss: PairObjectiveLoss
    let batch: Int
    let length: Int
    /// Where the reference log-probs come from on a new run: nil is the policy's starting weights.
    let referenceModel: TransformerModel?
    let cacheDirectory: String?
    public private(set) var reference: ReferenceLogprobs?
    /// What rows of `seq_len` positions cut from the pairs (pref_train reports it).
    public let sequenceCut: SequenceCut
    private var sampler: EpochSampler

    /// - Parameters:
    ///   - reference: the frozen reference model; nil uses the policy's weights as they are when training starts.
    ///   - cacheDirectory: where reference log-probs are kept for reuse across runs (nil: only in the run directory).
    public init(pairs: [PairTokens], loss: PairObjectiveLoss, settings: [String: SettingValue], options: TrainingOptions,
                reference: TransformerModel?, cacheDirectory: String?) throws {
        guard !pairs.isEmpty else { throw PreferenceError("data", "has no pairs") }
        guard options.batch <= pairs.count else {
            throw PreferenceError("batch", "\(options.batch) is larger than the \(pairs.count) pair\(pairs.count == 1 ? "" : "s") of the data")
        }
        if let bad = pairs.firstIndex(where: { $0.chosen.isEmpty || $0.rejected.isEmpty }) {
            throw PreferenceError("data", "pair \(bad + 1) has an empty completion")
        }
        if let bad = pairs.firstIndex(where: { $0.prompt.isEmpty }) {
            throw PreferenceError("data", "pair \(bad + 1) has an empty prompt; its first completion token needs a token before it to be predicted from")
        }
        sequenceCut = try SequenceCut(pairs, length: options.seqLen)
        if let cacheDirectory {
            do {
                try OutputPath.checkFolder(cacheDirectory)
            } catch let error as PlaceError {
                throw PreferenceError("ref_cache", error.description)
            }
        }
        self.pairs = pairs
        self.loss = loss
        self.settings = settings
        batch = options.batch
        length = options.seqLen
        referenceModel = reference
        self.cacheDirectory = cacheDirectory
        sampler = EpochSampler(count: pairs.count, seed: options.seed)
    }

    /// The chosen and the rejected row of every pair.
    public var rows: Int { 2 * batch }

    public var position: DataPosition { sampler.position }

    public func restore(_ position: DataPosition) throws { try sampler.restore(position, items: "pairs") }

    /// Computes (or finds in the cache) the reference log-probs and stores them in the run
    /// directory. Under several ranks each computes its contiguous block of the pairs and all
    /// gather the whole; only the root writes files.
    public func prepare(_ engine: TrainableModel, directory: String, timings: RunTimings) throws {
        let world = World.current
        // A separate reference model is read where its tensors lie: it is only ever run forward.
        let inference = try referenceModel.map { try InferenceModel(model: $0) } ?? InferenceModel(engine: engine)
        let key = try timings.measure(.reference) { try ReferenceLogprobs.key(model: inference, pairs: pairs, length: length) }
        let cached = cacheDirectory.map { $0 + "/reference-\(key).safetensors" }
        let computed: ReferenceLogprobs
        // Ranks on several machines may see different caches: if one lacks the entry all compute,
        // so that none waits alone in the gathering.
        if let cached, !world.any(!FileManager.default.fileExists(atPath: cached)) {
            do {
                computed = try timings.measure(.referenceFiles) { try ReferenceLogprobs.read(cached, pairs: pairs, length: length) }
            } catch let error as PreferenceError {
                throw PreferenceError(error.place, error.message + "; the cache entry is damaged: delete it to compute the log-probs again")
            }
        } else {
            computed = try timings.measure(.reference) {
                let block = Array(pairs[Shard(world).rows(of: pairs.count)])
                return world.gather(try ReferenceLogprobs.compute(inference, pairs: block, length: length, batch: batch))
            }
            if let cached, world.isRoot {
                try timings.measure(.referenceFiles) { try computed.write(to: cached) }
            }
        }
        if world.isRoot {
            try timings.measure(.referenceFiles) {
                try computed.write(to: directory + "/reference.safetensors")
                try Self.writePairs(pairs, to: directory + "/pairs.safetensors")
            }
        }
        settings["reference_key"] = .text(key)
        reference = computed
    }

    /// The token ids of every pair, so a resumed run needs neither the data file nor a tokenizer.
    static func writePairs(_ pairs: [PairTokens], to file: String) throws {
        let parts: [(String, KeyPath<PairTokens, [Int32]>)] = [("prompt", \.prompt), ("chosen", \.chosen), ("rejected", \.rejected)]
        var tensors: [(String, Tensor)] = []
        for (name, path) in parts {
            tensors.append((name, Tensor(pairs.flatMap { $0[keyPath: path].map(Float.init) })))
            tensors.append((name + "_lengths", Tensor(pairs.map { Float($0[keyPath: path].count) })))
        }
        try SafetensorsWriter.write(tensors, to: file)
    }

    /// The pairs `writePairs` stored, every id and length checked (a corrupt file is an error
    /// naming it and the tensor).
    public static func readPairs(_ file: String) throws -> [PairTokens] {
        let saved: SafetensorsFile
        do { saved = try SafetensorsFile(path: file) } catch { throw PreferenceError(file, "\(error)") }
        func split(_ name: String) throws -> [[Int32]] {
            let (values, lengths): ([Float], [Float])
            do { (values, lengths) = (try saved.tensor(name).scalars, try saved.tensor(name + "_lengths").scalars) } catch {
                throw PreferenceError(file, "\(error)")
            }
            return try RaggedTensors.split(try RaggedTensors.tokenIds(values, file: file, name: name), lengths: lengths, file: file,
                                           name: name, lengthsName: name + "_lengths")
        }
        let (prompts, chosen, rejected) = (try split("prompt"), try split("chosen"), try split("rejected"))
        guard prompts.count == chosen.count, chosen.count == rejected.count else {
            throw PreferenceError(file, "holds \(prompts.count) prompts, \(chosen.count) chosen and \(rejected.count) rejected completions")
        }
        return prompts.indices.map { PairTokens(prompt: prompts[$0], chosen: chosen[$0], rejected: rejected[$0]) }
    }

    /// Loads the reference log-probs a run directory holds.
    public func loadReference(directory: String) throws {
        reference = try ReferenceLogprobs.read(directory + "/reference.safetensors", pairs: pairs, length: length)
    }

    /// With a shard of several ranks, this rank forwards and back-propagates its contiguous block
    /// of each batch's pairs (chosen and rejected rows together), and computes the loss and the
    /// metrics over every rank's pairs, gathered in order: the same figures on every rank.
    public func step(_ engine: TrainableModel, accumulate: Int, shard: Shard) throws -> ObjectiveStep {
        guard let reference else { throw PreferenceError("reference", "log-probs were not computed (prepare the objective first)") }
        let world = World.current
        precondition(shard == Shard(world), "a preference step gathers its shards over the world, so its shard is this rank's")
        var totalLoss = 0.0, tokens = 0
        var all: [PairLogprobs] = []
        var probe = ProbeAccumulator()
        let scale = 1 / Double(accumulate)
        for _ in 0..<accumulate {
            let drawn = sampler.next(batch)
            let block = shard.rows(of: drawn.count)
            let indices = Array(drawn[block])
            let rows = PairRows(indices.map { pairs[$0] }, length: length)
            let logprobs = try engine.forward(inputs: rows.inputs, targets: rows.targets, batch: 2 * indices.count, length: length)
            var logps: [PairLogprobs] = []
            for (p, index) in indices.enumerated() {
                let (c, r) = (2 * p, 2 * p + 1)
                logps.append(PairLogprobs(
                    policyChosen: rows.sum(logprobs, row: c, from: rows.promptEnd[c], to: rows.end[c]),
                    policyRejected: rows.sum(logprobs, row: r, from: rows.promptEnd[r], to: rows.end[r]),
                    referenceChosen: reference.chosen[index], referenceRejected: reference.rejected[index],
                    chosenTokens: rows.end[c] - rows.promptEnd[c], rejectedTokens: rows.end[r] - rows.promptEnd[r],
                    policyPrompt: rows.sum(logprobs, row: c, from: 0, to: rows.promptEnd[c]), promptTokens: rows.promptEnd[c]))
                probe.add(policy: Array(logprobs[(c * length + rows.promptEnd[c])..<(c * length + rows.end[c])]),
                          reference: reference.chosenTokens[index], firstDifference: pairs[index].firstDifference, chosen: true)
                probe.add(policy: Array(logprobs[(r * length + rows.promptEnd[r])..<(r * length + rows.end[r])]),
                          reference: reference.rejectedTokens[index], firstDifference: pairs[index].firstDifference, chosen: false)
            }
            let batchPairs = world.gather(logps)
            let (batchLoss, gradients) = try loss.lossAndGradients(batchPairs)
            totalLoss += batchLoss / Double(accumulate)
            var tokenGradients = [Float](repeating: 0, count: rows.inputs.count)
            for (p, gradient) in gradients[block].enumerated() {
                let (c, r) = (2 * p, 2 * p + 1)
                for t in rows.promptEnd[c]..<rows.end[c] { tokenGradients[c * length + t] = Float(gradient.chosen * scale) }
                for t in rows.promptEnd[r]..<rows.end[r] { tokenGradients[r * length + t] = Float(gradient.rejected * scale) }
                for t in 0..<rows.promptEnd[c] { tokenGradients[c * length + t] = Float(gradient.prompt * scale) }
            }
            try engine.backward(logprobGradients: tokenGradients)
            tokens += rows.inputTokens
            all += batchPairs
        }
        return ObjectiveStep(loss: shard.part(ofWhole: totalLoss), tokens: tokens,
                             metrics: loss.metrics(all) + probe.summed(over: world).figures)
    }
}
