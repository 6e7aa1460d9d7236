import Base
import Foundation
import Plot
import Tensor
import Training

/// A figure as a language value: it shows itself at the prompt and when printed.
final class PlotHandle: Handle {
    let figure: any Figure
    /// Colour override from the `color:` option; nil follows the terminal.
    let colored: Bool?

    init(_ figure: any Figure, colored: Bool?) {
        self.figure = figure
        self.colored = colored
        super.init(kind: "plot")
    }

    override var summary: String { figure.render(colored: colored) }
}

extension Value {
    /// The figure this value shows, when it is a plot (transcripts save it as SVG).
    public var figure: (any Figure)? {
        guard case .handle(let handle) = self, let plot = handle as? PlotHandle else { return nil }
        return plot.figure
    }
}

/// The keyword options every plot builtin takes.
private let optionParameters = "title = nil, xlabel = nil, ylabel = nil, width = nil, height = nil, xlim = nil, ylim = nil, "
    + "xscale = \"linear\", yscale = \"linear\", canvas = \"braille\", hline = nil, vline = nil, color = nil"

extension Arguments {
    /// Numbers from a list or a 1-D tensor.
    func numbers(_ name: String) throws -> [Double] { try Self.numbers(in: self[name], name: name) }

    /// The numbers of `value`, the argument called `name`.
    static func numbers(in value: Value, name: String) throws -> [Double] {
        switch value {
        case .list(let items):
            return try items.map { item in
                switch item {
                case .number(let x): return x
                case .tensor(let t) where t.count == 1: return Double(try t.item())
                default: throw BuiltinError("argument '\(name)' must hold numbers, found a \(item.typeName)")
                }
            }
        case .tensor(let t):
            guard t.rank <= 1 else { throw BuiltinError("argument '\(name)' must be 1-D, got shape \(t.shape)") }
            return t.scalars.map(Double.init)
        case .number(let x): return [x]
        case let other: throw BuiltinError("argument '\(name)' must be a list of numbers or a tensor, got a \(other.typeName)")
        }
    }

    /// Series: a list of numbers or a 1-D tensor is one; a list of lists is one per inner list;
    /// a 2-D tensor is one per column.
    func seriesValues(_ name: String) throws -> [[Double]] {
        switch try self[name] {
        case .list(let items) where items.contains(where: { if case .list = $0 { true } else if case .tensor = $0 { true } else { false } }):
            return try items.map { try Self.numbers(in: $0, name: name) }
        case .tensor(let t) where t.rank == 2:
            let columns = try t.transposed().contiguous()
            return (0..<t.shape[1]).map { c in Array(columns.scalars[(c * t.shape[0])..<((c + 1) * t.shape[0])]).map(Double.init) }
        default:
            return [try numbers(name)]
        }
    }

    /// `[low, high]` with finite low < high (positive on a log scale): the plot would otherwise
    /// quietly fall back to automatic limits.
    private func limits(_ name: String, scale: Scale) throws -> (Double, Double)? {
        if try isNil(name) { return nil }
        let pair = try numbers(name)
        guard pair.count == 2 else { throw BuiltinError("\(name) must be [low, high], got \(repr(try self[name]))") }
        guard pair[0].isFinite, pair[1].isFinite, pair[0] < pair[1] else {
            throw BuiltinError("\(name) must be [low, high] with finite low < high, got \(repr(try self[name]))")
        }
        if scale == .log10, pair[0] <= 0 {
            throw BuiltinError("\(name) must be positive on a log10 scale, got \(repr(try self[name]))")
        }
        return (pair[0], pair[1])
    }

    /// Reference-line positions: a NaN or infinite line cannot be drawn, so it is an error.
    private func referenceLines(_ name: String) throws -> [Double] {
        if try isNil(name) { return [] }
        let lines = try numbers(name)
        if let bad = lines.first(where: { !$0.isFinite }) { throw BuiltinError("\(name) must be finite, got \(format(bad))") }
        return lines
    }

    /// Refuses options a plot kind has no use for (a histogram has no y scale, a heatmap no
    /// reference lines), naming the option, rather than ignoring them silently.
    func rejectOptions(_ names: [String], for kind: String) throws {
        for name in names {
            let given: Bool
            switch name {
            case "xscale", "yscale": given = (try? string(name)) != "linear"
            default: given = try !isNil(name)
            }
            if given { throw BuiltinError("\(name) does not apply to \(kind)") }
        }
    }

    private func optionalString(_ name: String) throws -> String? { try isNil(name) ? nil : try string(name) }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T where T.RawValue == String {
        let text = try string(name)
        guard let value = T(rawValue: text) else {
            throw BuiltinError("\(name) must be one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(text)\"")
        }
        return value
    }

    func plotOptions() throws -> PlotOptions {
        var options = PlotOptions()
        options.title = try optionalString("title")
        options.xlabel = try optionalString("xlabel")
        options.ylabel = try optionalString("ylabel")
        options.width = try optionalInt("width")
        options.height = try optionalInt("height")
        if let width = options.width, width < 1 || width > 10_000 { throw BuiltinError("width must be between 1 and 10000, got \(width)") }
        if let height = options.height, height < 1 || height > 1_000 { throw BuiltinError("height must be between 1 and 1000, got \(height)") }
        options.xscale = try choice("xscale", Scale.self)
        options.yscale = try choice("yscale", Scale.self)
        options.xlim = try limits("xlim", scale: options.xscale)
        options.ylim = try limits("ylim", scale: options.yscale)
        options.canvas = try choice("canvas", CanvasKind.self)
        options.hlines = try referenceLines("hline")
        options.vlines = try referenceLines("vline")
        return options
    }

    var colorOverride: Bool? {
        get throws { try isNil("color") ? nil : try bool("color") }
    }

    func plotValue(_ figure: any Figure) throws -> Value { .handle(PlotHandle(figure, colored: try colorOverride)) }
}

/// The parameter of `train`, `pref_train` and `resume` that `plotEvery()` reads.
let plotEveryParameter = "plot_every = 0"

extension Arguments {
    /// `plot_every`: steps between redraws of a training run's live plot; 0 draws none.
    func plotEvery() throws -> Int {
        let every = try int("plot_every")
        guard every >= 0, every <= Check.maximumCount else {
            throw BuiltinError("plot_every: must be between 0 (no live plot) and \(Check.maximumCount), got \(every)")
        }
        return every
    }
}

/// The loss of a run being trained, redrawn in place every `every` steps (`train(…, plot_every: N)`);
/// a preference run adds the change of the chosen and rejected log-probs from the reference.
/// Only where it redraws in place (a terminal, a notebook's display): in a log the progress
/// lines already say it, and a plot per update would bury them.
final class LiveTrainingPlot {
    private let view: any LiveDisplay
    private let every: Int
    private let totalSteps: Int
    /// Steps so far, including those before a resume.
    private var history: [StepMetrics]

    /// Nil when `every` is 0 or `view` does not redraw in place.
    init?(every: Int, totalSteps: Int, history: [StepMetrics], view: any LiveDisplay) {
        guard every > 0, view.redrawsInPlace else { return nil }
        self.view = view
        self.every = every
        self.totalSteps = totalSteps
        self.history = history
    }

    /// The live plot of `run` in `view`.
    convenience init?(every: Int, run: TrainingRun, view: any LiveDisplay) {
        self.init(every: every, totalSteps: run.options.steps, history: run.history, view: view)
    }

    /// Adds a step, redrawing every `every` steps and at the last.
    func record(_ metrics: StepMetrics) {
        history.append(metrics)
        if metrics.step % every == 0 || metrics.step == totalSteps { view.update(figure) }
    }

    /// The loss alone, or beside the log-prob changes for a preference run.
    private var figure: any Figure {
        var options = PlotOptions()
        options.height = 8
        options.xlabel = "step"
        // The whole run's steps from the start, so the curve grows to the right as it trains.
        options.xlim = (0, Double(Swift.max(1, totalSteps)))
        // One column spare: a line as wide as the terminal may wrap, and the redraw would miss it.
        let width = view.columns - 1
        let steps = history.map { Double($0.step) }
        var lossOptions = options
        lossOptions.title = "loss"
        let loss = XYPlot([Series(name: "loss", x: steps, y: history.map(\.loss))], options: lossOptions)
        let chosen = history.compactMap { $0.value("logps/chosen_delta") }
        let rejected = history.compactMap { $0.value("logps/rejected_delta") }
        guard !history.isEmpty, chosen.count == history.count, rejected.count == history.count else {
            var alone = loss
            alone.options.width = width
            return alone
        }
        var deltaOptions = options
        deltaOptions.title = "log-prob − reference"
        deltaOptions.hlines = [0]
        let deltas = XYPlot([Series(name: "chosen", x: steps, y: chosen), Series(name: "rejected", x: steps, y: rejected)],
                            options: deltaOptions)
        return Panel([loss, deltas], width: width)
    }
}

private func xyPlot(_ name: String, _ style: XYPlot.Style, doc: String, example: String) -> Builtin {
    Builtin("\(name)(x, y = nil, names = nil, \(optionParameters))", topic: "plots", doc: doc, example: example) { a in
        if case .handle(let handle) = try a["x"], let run = handle as? RunHandle, try a.isNil("y") {
            // A run plots its loss against the step.
            var options = try a.plotOptions()
            options.xlabel = options.xlabel ?? "step"
            options.ylabel = options.ylabel ?? "loss"
            let history = run.run.history
            let names = try a.isNil("names") ? ["loss"] : try a.list("names").map(display)
            return try a.plotValue(XYPlot([Series(name: names.first, x: history.map { Double($0.step) }, y: history.map(\.loss))],
                                          style: style, options: options))
        }
        let ys = try a.seriesValues(try a.isNil("y") ? "x" : "y")
        let xs: [Double]? = try a.isNil("y") ? nil : try a.numbers("x")
        let names = try a.isNil("names") ? [] : try a.list("names").map(display)
        if !names.isEmpty, names.count != ys.count {
            throw BuiltinError("names has \(names.count) entr\(names.count == 1 ? "y" : "ies") for \(ys.count) series")
        }
        let series = ys.enumerated().map { i, y in
            let name = i < names.count ? names[i] : nil
            return xs.map { Series(name: name, x: $0, y: y) } ?? Series(name: name, y: y)
        }
        if let xs, let mismatch = ys.first(where: { $0.count != xs.count }) {
            throw BuiltinError("x has \(xs.count) values but a series has \(mismatch.count)")
        }
        return try a.plotValue(XYPlot(series, style: style, options: try a.plotOptions()))
    }
}

extension Builtins {
    static let plots: [Builtin] = [
        xyPlot("plot", .line,
               doc: "A line plot drawn in the terminal: plot(y) or plot(x, y); y may hold several series (a list of lists, or a 2-D tensor's columns) named by names:; plot(run) draws a training run's loss by step. Options: title, xlabel, ylabel, width, height, xlim/ylim ([low, high]), xscale/yscale (\"linear\", \"log10\"), canvas (\"braille\", \"block\", \"ascii\"), hline/vline (reference lines), color.",
               example: "plot(0..10, [[1, 2, 4, 8, 6, 5, 4, 4, 3, 3], [0, 1, 1, 2, 2, 3, 3, 3, 3, 3]], names: [\"chosen\", \"rejected\"], title: \"DPO\", hline: 0)"),
        xyPlot("scatter", .scatter, doc: "A scatter plot: points, not joined. Same arguments and options as plot.",
               example: "scatter([1, 2, 3, 4], [0.5, 0.1, 0.9, 0.4])"),
        xyPlot("stairs", .stairs, doc: "A step plot: each value holds until the next x. Same arguments and options as plot.",
               example: "stairs([1, 3, 2, 5])"),
        Builtin("hist(values, bins = nil, edges = nil, \(optionParameters))", topic: "plots",
                doc: "A histogram with horizontal bars: bins: k gives exactly k equal-width bins from the smallest finite value to the largest (as NumPy's histogram), edges: (a list) gives the bins themselves, and otherwise Sturges' rule makes ⌈log₂ n⌉ + 1 bins. Bins are [a, b), the last [a, b]. NaN and ±inf are left out. Takes title, xlabel, width and canvas (\"ascii\" draws bars with #); axis options such as xlim are errors.",
                example: "hist([1, 2, 2, 3, 3, 3, 4, 4, 5])") { a in
            let edges = try a.isNil("edges") ? nil : try a.numbers("edges")
            if let edges, edges.count < 2 || zip(edges, edges.dropFirst()).contains(where: { !($0 < $1) }) {
                throw BuiltinError("edges must be at least two increasing numbers")
            }
            try a.rejectOptions(["ylabel", "xlim", "ylim", "xscale", "yscale", "hline", "vline"], for: "hist")
            let bins = try a.optionalInt("bins")
            if let bins, bins < 1 || bins > 10_000 { throw BuiltinError("bins must be between 1 and 10000, got \(bins)") }
            return try a.plotValue(Histogram(try a.numbers("values"), bins: bins, edges: edges, options: try a.plotOptions()))
        },
        Builtin("bar(labels, values = nil, \(optionParameters))", topic: "plots",
                doc: "A horizontal bar chart: bar(labels, values), or bar(record) with the record's fields as labels. Negative values grow left of the baseline. Takes title, xlabel, width and canvas; axis options such as xlim are errors.",
                example: "bar({before: 0.05, at: -1.4, after: -0.3}, title: \"Δ log-prob\")") { a in
            try a.rejectOptions(["ylabel", "xlim", "ylim", "xscale", "yscale", "hline", "vline"], for: "bar")
            let labels: [String], values: [Double]
            if case .record(let fields) = try a["labels"] {
                labels = Array(fields.keys)
                values = try Arguments.numbers(in: .list(Array(fields.values)), name: "labels")
            } else {
                guard try !a.isNil("values") else { throw BuiltinError("needs values: bar(labels, values) or bar(record)") }
                labels = try a.list("labels").map(display)
                values = try a.numbers("values")
                guard labels.count == values.count else { throw BuiltinError("\(labels.count) labels for \(values.count) values") }
            }
            return try a.plotValue(BarChart(labels: labels, values: values, options: try a.plotOptions()))
        },
        Builtin("heatmap(matrix, \(optionParameters))", topic: "plots",
                doc: "A matrix (a 2-D tensor or a list of equal-length rows) as shaded cells, row 1 at the top, with a colour bar; large matrices are averaged down to fit. canvas: \"ascii\" shades with ' .:-=+*#%@'; axis options such as xlim are errors.",
                example: "heatmap(reshape(arange(12), [3, 4]), title: \"per-position change\")") { a in
            try a.rejectOptions(["xlim", "ylim", "xscale", "yscale", "hline", "vline"], for: "heatmap")
            let rows: [[Double]]
            if case .tensor(let t) = try a["matrix"] {
                guard t.rank == 2 else { throw BuiltinError("matrix must be 2-D, got shape \(t.shape)") }
                let values = t.scalars.map(Double.init)
                rows = (0..<t.shape[0]).map { Array(values[($0 * t.shape[1])..<(($0 + 1) * t.shape[1])]) }
            } else {
                rows = try a.seriesValues("matrix")
                if let first = rows.first, let ragged = rows.firstIndex(where: { $0.count != first.count }) {
                    throw BuiltinError("matrix rows must have equal lengths: row 1 has \(first.count) values, row \(ragged + 1) has \(rows[ragged].count)")
                }
            }
            return try a.plotValue(Heatmap(rows, options: try a.plotOptions()))
        },
        Builtin("spark(values, title = nil, canvas = \"braille\")", topic: "plots",
                doc: "A one-line sparkline (▁▂▃▄▅▆▇█) of a series; NaN shows as a space. canvas: \"ascii\" draws it with _.-=+*#@.",
                example: "spark([1, 5, 2, 8, 3], title: \"loss\")") { a in
            let canvas = try a.choice("canvas", CanvasKind.self)
            return .handle(PlotHandle(Sparkline(try a.numbers("values"), title: try a.isNil("title") ? nil : try a.string("title"), canvas: canvas), colored: nil))
        },
        Builtin("panel(plots, columns = nil, width = nil, canvas = nil)", topic: "plots",
                doc: "Plots side by side (or in a grid of the given columns), sharing the width: e.g. DPO | DPOP | IPO at a glance. canvas: redraws every plot in it on that canvas (\"ascii\" for logs).",
                example: "panel([spark([1, 2, 3]), spark([3, 2, 1])])") { a in
            let figures: [any Figure] = try a.list("plots").map { item in
                guard case .handle(let handle) = item, let plot = handle as? PlotHandle else {
                    throw BuiltinError("expects a list of plots, found a \(item.typeName)")
                }
                return plot.figure
            }
            let columns = try a.optionalInt("columns"), width = try a.optionalInt("width")
            if let columns, columns < 1 { throw BuiltinError("columns must be at least 1") }
            if let width, width < 1 || width > 10_000 { throw BuiltinError("width must be between 1 and 10000") }
            let canvas = try a.isNil("canvas") ? nil : try a.choice("canvas", CanvasKind.self)
            return .handle(PlotHandle(Panel(figures, columns: columns, width: width, canvas: canvas), colored: nil))
        },
        Builtin("save(plot, path)", topic: "plots",
                doc: "Writes a plot to a file: SVG when the path ends in .svg, plain text (no colour) when it ends in .txt. Missing folders are created; the file is replaced atomically.",
                example: "save(spark([1, 2, 3]), \"/tmp/preflab-example-spark.txt\")") { a in
            guard case .handle(let handle) = try a["plot"], let plot = handle as? PlotHandle else {
                throw BuiltinError("argument 'plot' must be a plot, got a \(try a["plot"].typeName)")
            }
            let path = try a.path("path")
            let suffix = path.lowercased()
            // Other formats (.png, .pdf) would silently get text; say what is supported instead.
            guard suffix.hasSuffix(".svg") || suffix.hasSuffix(".txt") else {
                throw BuiltinError("path must end in .svg or .txt (plots are written as SVG or plain text), got \"\(path)\"")
            }
            try OutputPath.checkFile(path)
            let text = suffix.hasSuffix(".svg") ? plot.figure.svg() : plot.figure.render(colored: false) + "\n"
            try AtomicWrite.write(text, to: path)
            return .nil
        },
    ]
}
