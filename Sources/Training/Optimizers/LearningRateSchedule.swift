import Foundation

/// How the learning rate moves over a run: a linear warm-up from 0 to the peak over `warmup`
/// steps, then constant, or a linear or cosine decay towards `minimum` at the end of the run.
///
/// The factors are those of Hugging Face transformers' `get_constant_schedule_with_warmup`,
/// `get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup` and, with a minimum,
/// `get_cosine_with_min_lr_schedule_with_warmup` (the linear decay to a minimum applies the
/// same rule to the linear factor). Steps count from 0; the step-`s` rate is the one used by
/// the optimiser's (s + 1)-th update, as `LambdaLR` gives it.
public enum LearningRateSchedule: Equatable, Sendable {
    /// Warm-up, then the peak rate to the end.
    case constant(warmup: Int)
    /// Warm-up, then a straight line from the peak down to `minimum` at step `totalSteps`.
    case linear(warmup: Int, minimum: Double)
    /// Warm-up, then half a cosine from the peak down to `minimum` at step `totalSteps`.
    case cosine(warmup: Int, minimum: Double)

    /// The schedule of `kind`. Throws a `TrainingError` when the warm-up is negative, or the
    /// minimum is negative or not finite. A constant schedule has no minimum.
    public init(_ kind: ScheduleKind, warmup: Int = 0, minimum: Double = 0) throws {
        guard warmup >= 0 else { throw TrainingError("warmup_steps", "is \(warmup), expected 0 or more") }
        guard minimum.isFinite, minimum >= 0 else {
            throw TrainingError("min_lr", "is \(minimum), expected a finite number ≥ 0")
        }
        switch kind {
        case .constant: self = .constant(warmup: warmup)
        case .linear: self = .linear(warmup: warmup, minimum: minimum)
        case .cosine: self = .cosine(warmup: warmup, minimum: minimum)
        }
    }

    /// Steps of linear warm-up.
    public var warmup: Int {
        switch self {
        case .constant(let warmup), .linear(let warmup, _), .cosine(let warmup, _): warmup
        }
    }

    /// The rate the decay ends at; 0 for a constant schedule.
    public var minimum: Double {
        switch self {
        case .constant: 0
        case .linear(_, let minimum), .cosine(_, let minimum): minimum
        }
    }

    /// The learning rate at `step` (from 0) of a run of `totalSteps` steps peaking at `peak`.
    ///
    /// During warm-up it is peak·step/warmup, whatever the minimum (as in transformers). After
    /// it, the decay factor f goes from 1 to 0 at `totalSteps` and the rate is
    /// peak·(f·(1 − minimum/peak) + minimum/peak), which is `minimum` once f reaches 0. Steps
    /// past the end stay at the minimum (transformers' cosine would rise again).
    public func rate(step: Int, totalSteps: Int, peak: Double) -> Double {
        let step = max(0, step)
        if step < warmup {
            return peak * (Double(step) / Double(max(1, warmup)))
        }
        let span = Double(max(1, totalSteps - warmup))
        let factor: Double
        switch self {
        case .constant:
            return peak
        case .linear:
            factor = max(0, Double(totalSteps - step) / span)
        case .cosine:
            let progress = min(1, Double(step - warmup) / span)
            factor = max(0, 0.5 * (1 + cos(Double.pi * progress)))
        }
        guard minimum > 0, peak != 0 else { return peak * factor }
        let floor = minimum / peak
        return peak * (factor * (1 - floor) + floor)
    }
}
