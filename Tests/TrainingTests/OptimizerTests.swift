import Foundation
import Testing
import Tensor
@testable import Training

/// The reference values written by scripts/fixtures/optimizers.py (PyTorch and transformers).
private struct Fixture: Decodable {
    struct Parameter: Decodable {
        let name: String
        let shape: [Int]
        let decays: Bool
    }

    struct Run: Decodable {
        let kind: String
        let hyper: [String: Double]
        let nesterov: Bool
        let layout: [Parameter]
        let learning_rates: [Double]
        let initial: [String: [Float]]
        let gradients: [[String: [Float]]]
        let after: [[String: [Float]]]
        let state: [String: [String: [Float]]]
    }

    struct Clipping: Decodable {
        let max_norm: Double
        let gradients: [String: [Float]]
        let norm: Double
        let clipped: [String: [Float]]
    }

    struct Schedule: Decodable {
        let kind: String
        let warmup: Int
        let total: Int
        let peak: Double
        let minimum: Double
        let rates: [Double]
    }

    let optimizers: [Run]
    let clipping: [Clipping]
    let schedules: [Schedule]

    static func load() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/optimizers.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }
}

/// Whether `actual` is within `tolerance` of `expected`, relative to `expected`.
private func close(_ actual: [Float], _ expected: [Float], tolerance: Double = 1e-6) -> Bool {
    actual.count == expected.count && zip(actual, expected).allSatisfy { a, e in
        abs(Double(a) - Double(e)) <= tolerance * abs(Double(e))
    }
}

private func store(for run: Fixture.Run) throws -> ParameterStore {
    let store = ParameterStore(run.layout.map { ($0.name, $0.shape) })
    #expect(store.entries.map(\.decays) == run.layout.map(\.decays))
    for parameter in run.layout {
        try store.set(parameter.name, Tensor(run.initial[parameter.name] ?? [], shape: parameter.shape))
    }
    return store
}

private func setGradients(_ store: ParameterStore, _ gradients: [String: [Float]]) {
    for entry in store.entries {
        let values = gradients[entry.name] ?? []
        #expect(values.count == entry.count)
        for (i, value) in values.prefix(entry.count).enumerated() { store.gradients[entry.offset + i] = value }
    }
}

private func values(_ store: ParameterStore, _ name: String) -> [Float] {
    guard let entry = store.entry(name) else { return [] }
    return Array(UnsafeBufferPointer(start: store.values + entry.offset, count: entry.count))
}

/// The part of a state buffer that belongs to parameter `name`.
private func slice(_ tensor: Tensor?, _ store: ParameterStore, _ name: String) -> [Float] {
    guard let tensor, let entry = store.entry(name) else { return [] }
    return Array(tensor.scalars[entry.offset..<(entry.offset + entry.count)])
}

private func makeOptimizer(_ run: Fixture.Run, _ store: ParameterStore) throws -> any Optimizer {
    let h = run.hyper
    if run.kind == "adamw" {
        return try AdamW(for: store, beta1: h["beta1"] ?? 0, beta2: h["beta2"] ?? 0, epsilon: h["eps"] ?? 0,
                         weightDecay: h["weight_decay"] ?? 0)
    }
    return try SGD(for: store, momentum: h["momentum"] ?? 0, weightDecay: h["weight_decay"] ?? 0,
                   nesterov: run.nesterov)
}

private func bits(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> [UInt32] {
    (0..<count).map { pointer[$0].bitPattern }
}

struct OptimizerTests {
    // MARK: Against PyTorch

    @Test func optimizersMatchPyTorch() throws {
        let fixture = try Fixture.load()
        #expect(fixture.optimizers.map(\.kind) == ["adamw", "adamw", "sgd", "sgd", "sgd"])
        for run in fixture.optimizers {
            let store = try store(for: run)
            let optimizer = try makeOptimizer(run, store)
            for (step, gradients) in run.gradients.enumerated() {
                setGradients(store, gradients)
                try optimizer.step(store, learningRate: Float(run.learning_rates[step]))
                for parameter in run.layout {
                    let expected = run.after[step][parameter.name] ?? []
                    #expect(close(values(store, parameter.name), expected),
                            "\(run.kind) \(run.hyper) nesterov \(run.nesterov) step \(step + 1) \(parameter.name)")
                }
            }
            #expect(optimizer.stepCount == run.gradients.count)
            let state = optimizer.state()
            let names = run.kind == "adamw"
                ? ["exp_avg": "adamw.m", "exp_avg_sq": "adamw.v"]
                : ["momentum_buffer": "sgd.momentum"]
            for parameter in run.layout {
                let expected = run.state[parameter.name] ?? [:]
                // PyTorch keeps no momentum buffer when momentum is 0.
                if run.kind == "sgd", (run.hyper["momentum"] ?? 0) == 0 { #expect(expected.isEmpty); continue }
                #expect(Set(expected.keys) == Set(names.keys))
                for (torchName, ours) in names {
                    #expect(close(slice(state[ours], store, parameter.name), expected[torchName] ?? []),
                            "\(run.kind) \(run.hyper) \(torchName) of \(parameter.name)")
                }
            }
        }
    }

    @Test func clippingMatchesPyTorch() throws {
        let fixture = try Fixture.load()
        let layout: [(name: String, shape: [Int])] = [("w", [3, 5]), ("b", [5])]
        #expect(fixture.clipping.count == 2)
        for (index, clip) in fixture.clipping.enumerated() {
            let store = ParameterStore(layout)
            setGradients(store, clip.gradients)
            let before = bits(store.gradients, store.count)
            let norm = try store.clipGradients(maxNorm: clip.max_norm)
            #expect(abs(norm - clip.norm) <= 1e-6 * clip.norm)
            for (name, _) in layout {
                let entry = try #require(store.entry(name))
                let clipped = Array(UnsafeBufferPointer(start: store.gradients + entry.offset, count: entry.count))
                #expect(close(clipped, clip.clipped[name] ?? []), "clipping case \(index) \(name)")
            }
            if index == 0 {
                #expect(norm > clip.max_norm)
                #expect(abs(store.gradientNorm() - clip.max_norm) <= 1e-5 * clip.max_norm)
            } else {
                // Below the limit nothing moves, not even by rounding.
                #expect(norm < clip.max_norm)
                #expect(bits(store.gradients, store.count) == before)
            }
        }
    }

    @Test func schedulesMatchTransformers() throws {
        let fixture = try Fixture.load()
        #expect(fixture.schedules.count == 10)
        for case_ in fixture.schedules {
            let schedule = try LearningRateSchedule(try #require(ScheduleKind(rawValue: case_.kind)), warmup: case_.warmup, minimum: case_.minimum)
            #expect(case_.rates.count == case_.total + 1)
            for (step, expected) in case_.rates.enumerated() {
                let rate = schedule.rate(step: step, totalSteps: case_.total, peak: case_.peak)
                #expect(abs(rate - expected) <= 1e-12 * case_.peak, "\(case_.kind) warmup \(case_.warmup) step \(step)")
            }
        }
    }

    // MARK: State

    @Test(arguments: ["adamw", "sgd"])
    func restoredOptimizerContinuesBitIdentically(kind: String) throws {
        let fixture = try Fixture.load()
        let run = try #require(fixture.optimizers.first { $0.kind == kind })
        let original = try store(for: run)
        let optimizer = try makeOptimizer(run, original)
        for step in 0..<2 {
            setGradients(original, run.gradients[step])
            try optimizer.step(original, learningRate: Float(run.learning_rates[step]))
        }
        let savedState = optimizer.state()
        let savedValues = try run.layout.map { try original.tensor($0.name) }
        #expect(savedState["\(kind).step"]?.scalars == [2])

        let resumed = ParameterStore(run.layout.map { ($0.name, $0.shape) })
        for (parameter, tensor) in zip(run.layout, savedValues) { try resumed.set(parameter.name, tensor) }
        let restored = try makeOptimizer(run, resumed)
        try restored.restore(savedState)
        #expect(restored.stepCount == 2)

        for step in 2..<run.gradients.count {
            for target in [original, resumed] { setGradients(target, run.gradients[step]) }
            try optimizer.step(original, learningRate: Float(run.learning_rates[step]))
            try restored.step(resumed, learningRate: Float(run.learning_rates[step]))
        }
        #expect(bits(resumed.values, resumed.count) == bits(original.values, original.count))
        let a = optimizer.state(), b = restored.state()
        #expect(Set(a.keys) == Set(b.keys))
        for name in a.keys { #expect(a[name]?.scalars.map(\.bitPattern) == b[name]?.scalars.map(\.bitPattern), "\(name)") }
        // A fresh optimiser (no restore) would not continue the same way.
        let fresh = try makeOptimizer(run, original)
        #expect(fresh.stepCount == 0)
    }

    @Test func restoreChecksNamesShapesAndStepBeforeChangingAnything() throws {
        let store = ParameterStore([("w", [4, 3]), ("b", [3])])
        let adamw = try AdamW(for: store)
        for i in 0..<store.count { store.gradients[i] = Float(i % 5) - 2 }
        try adamw.step(store, learningRate: 0.01)
        let good = adamw.state()
        #expect(Set(good.keys) == Set(AdamW.stateNames))
        #expect(good["adamw.m"]?.shape == [store.count])
        #expect(good["adamw.step"]?.shape == [])
        let before = adamw.state()["adamw.m"]?.scalars

        func failure(_ state: [String: Tensor]) -> TrainingError? {
            #expect(throws: TrainingError.self) { try adamw.restore(state) }
        }
        var missing = good
        missing["adamw.v"] = nil
        #expect(failure(missing)?.place == "adamw.v")

        var wrongShape = good
        wrongShape["adamw.m"] = Tensor([Float](repeating: 0, count: store.count - 1))
        wrongShape["adamw.v"] = Tensor([Float](repeating: 7, count: store.count))
        #expect(failure(wrongShape)?.place == "adamw.m")

        var unknown = good
        unknown["adamw.extra"] = Tensor(1)
        #expect(failure(unknown)?.place == "adamw.extra")

        for bad: Float in [2.5, -1, .nan, 1e9] {
            var badStep = good
            badStep["adamw.step"] = Tensor(bad)
            #expect(failure(badStep)?.place == "adamw.step", "step \(bad)")
        }
        // SGD state is not AdamW state.
        let sgd = try SGD(for: store, momentum: 0.9)
        #expect(failure(sgd.state())?.place == "adamw.m")
        #expect(throws: TrainingError.self) { try sgd.restore(good) }

        // Failed restores left everything as it was.
        #expect(adamw.state()["adamw.m"]?.scalars == before)
        #expect(adamw.stepCount == 1)

        // Tensors of other owners (model weights in the same checkpoint) are ignored.
        var withWeights = good
        withWeights["model.w"] = Tensor([1, 2, 3])
        let other = try AdamW(for: store)
        try other.restore(withWeights)
        #expect(other.stepCount == 1)
        #expect(other.state()["adamw.v"]?.scalars == good["adamw.v"]?.scalars)
    }

    // MARK: Kernels

    /// A store above the parallel threshold, with parameters whose lengths are not multiples of
    /// 8, against a plain scalar loop: every element is updated exactly once, chunk edges included.
    @Test func largeStoresUpdateEveryElementOnce() throws {
        let layout: [(name: String, shape: [Int])] = [("a", [7]), ("w", [301, 233]), ("n", [13]), ("v", [9, 11])]
        let store = ParameterStore(layout)
        #expect(store.count >= ParameterLoop.minimumParallelCount)
        for i in 0..<store.count {
            store.values[i] = Float((i * 7919) % 1000) / 500 - 1
            store.gradients[i] = Float((i * 104_729) % 997) / 300 - 1.5
        }
        let values = Array(UnsafeBufferPointer(start: store.values, count: store.count))
        let gradients = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        let adamw = try AdamW(for: store, weightDecay: 0.1)
        try adamw.step(store, learningRate: 0.01)
        try adamw.step(store, learningRate: 0.01)

        // Two AdamW steps on one element with the same gradient, written out in scalars.
        func reference(_ p0: Float, _ g: Float, decays: Bool) -> Float {
            var p = p0, m: Float = 0, v: Float = 0
            for t in 1...2 {
                if decays { p *= Float(1 - 0.01 * 0.1) }
                m = m + Float(1 - 0.9) * (g - m)
                v = v * Float(0.999) + Float(1 - 0.999) * g * g
                let denominator = v.squareRoot() / Float((1 - pow(0.999, Double(t))).squareRoot()) + 1e-8
                p += Float(-0.01 / (1 - pow(0.9, Double(t)))) * m / denominator
            }
            return p
        }
        var mismatches = 0
        var paddingTouched = false
        var covered = [Bool](repeating: false, count: store.count)
        for entry in store.entries {
            for i in entry.offset..<(entry.offset + entry.count) {
                covered[i] = true
                let expected = reference(values[i], gradients[i], decays: entry.decays)
                if abs(Double(store.values[i]) - Double(expected)) > 1e-5 * max(abs(Double(expected)), 1e-3) { mismatches += 1 }
            }
        }
        for i in 0..<store.count where !covered[i] {
            if store.values[i] != values[i] || adamw.m.pointer[i] != 0 { paddingTouched = true }
        }
        #expect(mismatches == 0)
        #expect(!paddingTouched)
    }

    @Test func scalingMultipliesEveryGradient() {
        let store = ParameterStore([("w", [5, 7]), ("b", [3])])
        for i in 0..<store.count { store.gradients[i] = Float(i) * 0.37 - 4 }
        let before = Array(UnsafeBufferPointer(start: store.gradients, count: store.count))
        store.scaleGradients(by: 0.25)
        #expect((0..<store.count).allSatisfy { store.gradients[$0] == before[$0] * 0.25 })

        let large = ParameterStore([("w", [70_001])])
        for i in 0..<large.count { large.gradients[i] = 3 }
        large.scaleGradients(by: 1.0 / 3.0)
        #expect((0..<large.count).allSatisfy { large.gradients[$0] == 3 * Float(1.0 / 3.0) })
    }

    @Test func gradientNormIsAccurateOnLargeBuffers() throws {
        let store = ParameterStore([("w", [1 << 20]), ("b", [3])])
        let entry = try #require(store.entry("w"))
        for i in 0..<entry.count { store.gradients[i] = 0.1 }
        let expected = (Double(entry.count) * Double(Float(0.1)) * Double(Float(0.1))).squareRoot()
        // A Float32 sum in eight lanes would be off by about 7e-4 here.
        #expect(abs(store.gradientNorm() - expected) <= 1e-12 * expected)
        #expect(ParameterStore([]).gradientNorm() == 0)
    }

    @Test func clippingRejectsBadLimitsAndLeavesNonFiniteGradients() throws {
        let store = ParameterStore([("w", [2, 2])])
        store.gradients[0] = 3
        store.gradients[1] = 4
        #expect(try store.clipGradients(maxNorm: 10) == 5)
        #expect(store.gradients[0] == 3)
        let clipped = try store.clipGradients(maxNorm: 1)
        #expect(clipped == 5)
        #expect(abs(store.gradients[0] - 0.6) < 1e-6 && abs(store.gradients[1] - 0.8) < 1e-6)
        for bad in [0, -1, Double.nan, .infinity] {
            let error = #expect(throws: TrainingError.self) { try store.clipGradients(maxNorm: bad) }
            #expect(error?.place == "max_grad_norm")
        }
        store.gradients[2] = .infinity
        #expect(try store.clipGradients(maxNorm: 1) == .infinity)
        #expect(store.gradients[2] == .infinity && store.gradients[0] != 0)
    }

    // MARK: Schedules

    @Test func schedulesAtWarmupEdges() throws {
        let linear = try LearningRateSchedule(.linear, warmup: 4)
        #expect(linear == .linear(warmup: 4, minimum: 0))
        #expect(linear.rate(step: 0, totalSteps: 10, peak: 1) == 0)
        #expect(linear.rate(step: 3, totalSteps: 10, peak: 1) == 0.75)
        #expect(linear.rate(step: 4, totalSteps: 10, peak: 1) == 1)
        #expect(linear.rate(step: 7, totalSteps: 10, peak: 1) == 0.5)
        #expect(linear.rate(step: 10, totalSteps: 10, peak: 1) == 0)
        #expect(linear.rate(step: 12, totalSteps: 10, peak: 1) == 0)
        #expect(linear.rate(step: -3, totalSteps: 10, peak: 1) == 0)

        let constant = try LearningRateSchedule(.constant)
        #expect(constant.rate(step: 0, totalSteps: 5, peak: 0.5) == 0.5)
        #expect(constant.warmup == 0 && constant.minimum == 0)

        let cosine = try LearningRateSchedule(.cosine, warmup: 2, minimum: 0.1)
        #expect(cosine.warmup == 2 && cosine.minimum == 0.1)
        #expect(cosine.rate(step: 1, totalSteps: 10, peak: 1) == 0.5)
        #expect(cosine.rate(step: 2, totalSteps: 10, peak: 1) == 1)
        #expect(abs(cosine.rate(step: 6, totalSteps: 10, peak: 1) - 0.55) < 1e-15)
        #expect(abs(cosine.rate(step: 10, totalSteps: 10, peak: 1) - 0.1) < 1e-15)
        // Past the end the rate stays at the minimum instead of rising along the cosine.
        #expect(abs(cosine.rate(step: 17, totalSteps: 10, peak: 1) - 0.1) < 1e-15)
    }

    @Test func badScheduleOptionsThrow() {
        // An unknown name never reaches the schedule: the `schedule` option refuses it (RunTests).
        let warmup = #expect(throws: TrainingError.self) { try LearningRateSchedule(.linear, warmup: -1) }
        #expect(warmup?.place == "warmup_steps")
        let minimum = #expect(throws: TrainingError.self) { try LearningRateSchedule(.cosine, minimum: -1e-5) }
        #expect(minimum?.place == "min_lr")
    }

    // MARK: Options and arguments

    @Test func badHyperparametersAndStepArgumentsThrow() throws {
        let store = ParameterStore([("w", [2, 3])])
        func place(_ body: () throws -> Void) -> String? {
            (#expect(throws: TrainingError.self) { try body() })?.place
        }
        #expect(place { _ = try AdamW(for: store, beta1: 1) } == "beta1")
        #expect(place { _ = try AdamW(for: store, beta2: -0.1) } == "beta2")
        #expect(place { _ = try AdamW(for: store, epsilon: .nan) } == "eps")
        #expect(place { _ = try AdamW(for: store, weightDecay: -1) } == "weight_decay")
        #expect(place { _ = try SGD(for: store, momentum: -0.5) } == "momentum")
        #expect(place { _ = try SGD(for: store, nesterov: true) } == "nesterov")

        let adamw = try AdamW(for: store)
        #expect(adamw.weightDecay == 0.01 && adamw.beta1 == 0.9 && adamw.beta2 == 0.999 && adamw.epsilon == 1e-8)
        let other = ParameterStore([("w", [2, 30])])
        #expect(place { try adamw.step(other, learningRate: 0.1) } == "adamw")
        #expect(place { try adamw.step(store, learningRate: -1) } == "learning_rate")
        #expect(place { try adamw.step(store, learningRate: .infinity) } == "learning_rate")
        #expect(adamw.stepCount == 0)
        let sgd = try SGD(for: store)
        #expect(place { try sgd.step(other, learningRate: 0.1) } == "sgd")
    }

    /// Parameters in the no-decay group keep their value under AdamW when their gradient is zero;
    /// decaying ones shrink by exactly 1 − lr·wd.
    @Test func weightDecayOnlyTouchesDecayingParameters() throws {
        let store = ParameterStore([("w", [3, 3]), ("norm", [9])])
        for i in 0..<store.count { store.values[i] = 2 }
        let adamw = try AdamW(for: store, weightDecay: 0.5)
        try adamw.step(store, learningRate: 0.1)
        #expect(values(store, "w") == [Float](repeating: 2 * Float(1 - 0.1 * 0.5), count: 9))
        #expect(values(store, "norm") == [Float](repeating: 2, count: 9))

        let sgdStore = ParameterStore([("w", [3, 3]), ("norm", [9])])
        for i in 0..<sgdStore.count { sgdStore.values[i] = 2 }
        let sgd = try SGD(for: sgdStore, momentum: 0.9, weightDecay: 0.5)
        try sgd.step(sgdStore, learningRate: 0.1)
        #expect(values(sgdStore, "w") == [Float](repeating: Float(2).addingProduct(Float(2) * 0.5, -0.1), count: 9))
        #expect(values(sgdStore, "norm") == [Float](repeating: 2, count: 9))
    }
}
