import CZeroMQ
import Foundation
import Lang
import Synchronization

/// A Jupyter kernel running PrefLab: it binds the five sockets of a connection file and answers
/// requests with one `Session`, as the REPL does. Shell requests run on the calling thread (which
/// needs the interpreter's large stack); the heartbeat, control channel and output capture each
/// have a thread of their own, so that a long cell can still be interrupted or shut down.
public final class Kernel: @unchecked Sendable {
    /// What the process's signal handling tells the kernel.
    public struct Signals {
        /// Forgets an interrupt that arrived while no cell ran, so that the next cell is not stopped by it.
        public var forgetInterrupt: () -> Void
        /// Whether a stopping signal arrived since `forgetInterrupt`: a cell whose last statement
        /// is a run it stopped returns the run, and was interrupted all the same.
        public var interrupted: () -> Bool
        /// Whether a signal (SIGTERM, SIGHUP) asked the process to end.
        public var endRequested: () -> Bool

        public init(forgetInterrupt: @escaping () -> Void, interrupted: @escaping () -> Bool, endRequested: @escaping () -> Bool) {
            self.forgetInterrupt = forgetInterrupt
            self.interrupted = interrupted
            self.endRequested = endRequested
        }
    }

    let connection: ConnectionFile
    let session: Session
    let signals: Signals
    let signer: Signer
    /// The language's version, reported in kernel_info.
    let version: String
    let context: ZMQContext
    let shell: ZMQSocket
    let control: ZMQSocket
    let stdin: ZMQSocket
    let heartbeat: ZMQSocket
    let publisher: Publisher
    var capture: OutputCapture?
    /// Cells run with store_history so far: the number shown as In[n] and Out[n].
    var executionCount = 0
    /// Set once a shutdown was asked for or the parent went away; every thread then ends.
    let stopping = Atomic<Bool>(false)
    /// The process that started the kernel: jupyter_client names itself in JPY_PARENT_PID, which
    /// still holds when it died before the kernel got this far. Once it is gone the kernel is an orphan.
    private let launcher = ProcessInfo.processInfo.environment["JPY_PARENT_PID"].flatMap { pid_t($0) } ?? getppid()
    private let threads = DispatchGroup()

    public init(connection: ConnectionFile, session: Session, version: String, signals: Signals) throws {
        self.connection = connection
        self.session = session
        self.version = version
        self.signals = signals
        signer = Signer(key: connection.key)
        context = try ZMQContext()
        shell = try ZMQSocket(context, type: ZMQ_ROUTER, endpoint: connection.endpoint(connection.shellPort), channel: "shell")
        control = try ZMQSocket(context, type: ZMQ_ROUTER, endpoint: connection.endpoint(connection.controlPort), channel: "control")
        stdin = try ZMQSocket(context, type: ZMQ_ROUTER, endpoint: connection.endpoint(connection.stdinPort), channel: "stdin")
        heartbeat = try ZMQSocket(context, type: ZMQ_REP, endpoint: connection.endpoint(connection.hbPort), channel: "heartbeat")
        let iopub = try ZMQSocket(context, type: ZMQ_PUB, endpoint: connection.endpoint(connection.iopubPort), channel: "iopub")
        publisher = Publisher(socket: iopub, signer: signer, session: UUID().uuidString.lowercased())
    }

    /// Serves requests until a shutdown request, a SIGTERM or the launcher's exit; the exit status.
    public func run() throws -> Int32 {
        let capture = try OutputCapture(publisher: publisher)
        self.capture = capture
        session.interpreter.write = { [publisher] text in
            capture.drain()
            publisher.publish("stream", ["name": "stdout", "text": .string(text)])
        }
        session.interpreter.plotPrinted = { [publisher] figure in
            capture.drain()
            publisher.publish("display_data", ["data": RichOutput.bundle(of: figure), "metadata": [:]])
        }
        session.interpreter.openLiveDisplay = { [publisher] in NotebookDisplay(publisher: publisher, capture: capture) }
        onThread("heartbeat") { $0.echoHeartbeats() }
        onThread("control") { $0.serveControl() }
        onThread("output") { kernel in capture.forward(until: { kernel.isStopping }) }
        publisher.status("starting", parent: nil)
        while !isStopping {
            if signals.endRequested() {
                KernelLog.write("a signal asked the kernel to end")
                break
            }
            if getppid() != launcher {
                KernelLog.write("the process that started the kernel has exited; exiting too")
                break
            }
            guard ZMQSocket.readable([shell], milliseconds: 100)[0], let frames = shell.receive() else { continue }
            guard let request = decode(frames, channel: "shell") else { continue }
            handleShell(request)
        }
        stop()
        threads.wait()
        capture.drain()
        for socket in [shell, control, stdin, heartbeat] { socket.close() }
        publisher.close()
        context.terminate()
        if connection.transport == "ipc" {
            for port in [connection.shellPort, connection.iopubPort, connection.stdinPort, connection.controlPort, connection.hbPort] {
                unlink("\(connection.ip)-\(port)")
            }
        }
        return 0
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Ends the kernel: every loop sees it within its poll interval, and a running cell stops.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        session.interpreter.interrupt.set()
    }

    private func onThread(_ name: String, _ body: @escaping (Kernel) -> Void) {
        threads.enter()
        let thread = Thread { [self] in
            body(self)
            threads.leave()
        }
        thread.name = "jupyter-\(name)"
        thread.start()
    }

    /// Echoes each heartbeat at once: clients that hear nothing for a second count the kernel dead.
    private func echoHeartbeats() {
        while !isStopping {
            guard ZMQSocket.readable([heartbeat], milliseconds: 100)[0], let frames = heartbeat.receive() else { continue }
            heartbeat.send(frames)
        }
    }

    private func serveControl() {
        while !isStopping {
            guard ZMQSocket.readable([control], milliseconds: 100)[0], let frames = control.receive() else { continue }
            guard let request = decode(frames, channel: "control") else { continue }
            handleControl(request)
        }
    }

    /// The message in `frames`, or nil after logging why it was dropped: a bad signature or
    /// malformed JSON gets no reply, and the kernel goes on.
    private func decode(_ frames: [Data], channel: String) -> Message? {
        do {
            return try Wire.message(from: frames, signer: signer)
        } catch {
            KernelLog.write("dropped a message on \(channel): \(error)")
            return nil
        }
    }

    func send(_ message: Message, on socket: ZMQSocket) {
        do { socket.send(try Wire.frames(of: message, signer: signer)) } catch {
            KernelLog.write("cannot encode a \(message.header.msgType): \(error)")
        }
    }
}
