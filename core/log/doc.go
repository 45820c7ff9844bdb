// Package log is the library's logger: one process-wide *slog.Logger writing upstream
// librocketmq's line format to a size- and day-rotated file, with the C API's log
// settings (Set*LogLevel, Set*LogPath, Set*LogFileNumAndSize) as functions.
//
// Why one global: upstream's logger is a process-wide singleton and its C setters act on
// it whatever handle they are given; C programs depend on that. See the comment on the
// package's state in log.go.
//
// The file, $HOME/logs/rocketmq-client/rocketmq_client.log unless SetPath or
// ROCKETMQ_CLIENT_LOG_DIR says otherwise, is created at the first line written, so a
// process that never logs (or logs nothing at the current level) creates nothing. If it
// cannot be created or written, the logger says so once on stderr and writes there
// instead; logging never fails a caller and never panics.
package log
