import Foundation
import Plot

/// A live figure in the running cell (a training run's loss, `plot_every`): shown once as
/// display_data carrying a display_id, then replaced by update_display_data with the same id, so
/// the notebook keeps one figure that grows instead of one per update.
final class NotebookDisplay: LiveDisplay {
    private let publisher: Publisher
    private let capture: OutputCapture
    private let id = UUID().uuidString.lowercased()
    private var shown = false

    init(publisher: Publisher, capture: OutputCapture) {
        self.publisher = publisher
        self.capture = capture
    }

    var redrawsInPlace: Bool { true }

    /// The text rendering's width, as for every plot the kernel shows; the SVG scales with the page.
    var columns: Int { Terminal.columns }

    func update(_ figure: any Figure) {
        capture.drain()
        publisher.publish(shown ? "update_display_data" : "display_data",
                          ["data": RichOutput.bundle(of: figure), "metadata": [:], "transient": ["display_id": .string(id)]])
        shown = true
    }
}
