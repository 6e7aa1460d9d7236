import Foundation

/// A path as a user types it: `~` and `~/…` stand for the home folder, as in a shell.
public enum UserPath {
    /// `path` with a leading `~` replaced by `home` (`$HOME`, else the account's home folder);
    /// `~user` forms and every other path are returned unchanged.
    public static func expanded(_ path: String, home: String? = nil) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let folder = home ?? ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return folder + path.dropFirst()
    }

    /// PrefLab's cache folder: $XDG_CACHE_HOME/preflab, else $HOME/.cache/preflab (where
    /// scripts/real-model puts models too).
    public static var cacheFolder: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return base + "/preflab"
    }
}
