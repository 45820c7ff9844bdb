// Package consumer holds what push and pull consumers share: how a group splits queues
// (allocation), what has been pulled but not yet consumed (process queues), and where
// consumption progress is kept (offset stores).
package consumer
