import CZeroMQ
import Foundation

/// The iopub socket, shared by the shell and control threads (and output capture) under a lock:
/// libzmq sockets are not thread-safe.
final class Publisher: @unchecked Sendable {
    private let socket: ZMQSocket
    private let signer: Signer
    let session: String
    private let lock = NSLock()
    /// The request whose outputs are being published; outputs name it as their parent so that
    /// frontends put them under its cell.
    private var current: Header?

    init(socket: ZMQSocket, signer: Signer, session: String) {
        self.socket = socket
        self.signer = signer
        self.session = session
    }

    /// Makes `request` the parent of what `publish` sends until the next call.
    func outputs(belongTo request: Header?) {
        lock.withLock { current = request }
    }

    /// Publishes a message of `msgType` whose parent is `parent`, or the current request.
    func publish(_ msgType: String, _ content: JSON, parent: Header? = nil) {
        lock.withLock {
            let message = Message(identities: [Data("kernel.\(session).\(msgType)".utf8)],
                                  header: Header(msgType: msgType, session: session), parentHeader: parent ?? current, content: content)
            do { socket.send(try Wire.frames(of: message, signer: signer)) } catch {
                KernelLog.write("cannot encode a \(msgType) message: \(error)")
            }
        }
    }

    func close() {
        lock.withLock { socket.close() }
    }

    func status(_ state: String, parent: Header?) {
        publish("status", ["execution_state": .string(state)], parent: parent)
    }
}

/// Where the kernel reports what it dropped and why: the standard error Jupyter gave it (the
/// server's log), kept aside before output capture takes descriptor 2 over.
enum KernelLog {
    nonisolated(unsafe) static var descriptor: Int32 = STDERR_FILENO

    static func write(_ line: String) {
        let text = "preflab kernel: " + line + "\n"
        _ = text.withCString { Foundation.write(descriptor, $0, strlen($0)) }
    }
}
