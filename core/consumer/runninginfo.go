package consumer

import (
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// The broker relays these requests from admin tools (mqadmin consumerStatus,
// consumeMessage, resetOffsetByTime); the answers are shaped as the Java client's.

var _ client.ConsumerAdmin = (*PushConsumer)(nil)

// processQueueInfo is Java's ProcessQueueInfo, field names and all ("droped" included).
type processQueueInfo struct {
	CommitOffset            int64 `json:"commitOffset"`
	CachedMsgMinOffset      int64 `json:"cachedMsgMinOffset"`
	CachedMsgMaxOffset      int64 `json:"cachedMsgMaxOffset"`
	CachedMsgCount          int   `json:"cachedMsgCount"`
	CachedMsgSizeInMiB      int64 `json:"cachedMsgSizeInMiB"`
	TransactionMsgMinOffset int64 `json:"transactionMsgMinOffset"`
	TransactionMsgMaxOffset int64 `json:"transactionMsgMaxOffset"`
	TransactionMsgCount     int   `json:"transactionMsgCount"`
	Locked                  bool  `json:"locked"`
	TryUnlockTimes          int64 `json:"tryUnlockTimes"`
	LastLockTimestamp       int64 `json:"lastLockTimestamp"`
	Dropped                 bool  `json:"droped"`
	LastPullTimestamp       int64 `json:"lastPullTimestamp"`
	LastConsumeTimestamp    int64 `json:"lastConsumeTimestamp"`
}

// maxStackDump bounds the goroutine dump of a running-info answer.
const maxStackDump = 1 << 20

// RunningInfo implements client.ConsumerAdmin: ConsumerRunningInfo JSON with properties,
// subscriptionSet, mqTable, statusTable and jstack (a goroutine dump when asked).
func (c *PushConsumer) RunningInfo(withStack bool) ([]byte, error) {
	if !c.started.Load() {
		return nil, ErrNotStarted
	}
	now := time.Now()
	props := map[string]string{
		"PROP_NAMESERVER_ADDR":          strings.Join(c.client.NameServer().Addrs(), ";"),
		"PROP_THREADPOOL_CORE_SIZE":     strconv.Itoa(c.cfg.ThreadCount),
		"PROP_CONSUMEORDERLY":           strconv.FormatBool(c.orderly),
		"PROP_CONSUME_TYPE":             "CONSUME_PASSIVELY",
		"PROP_CLIENT_VERSION":           "V4_9_4",
		"PROP_CONSUMER_START_TIMESTAMP": strconv.FormatInt(c.startedAt.UnixMilli(), 10),
		"consumerGroup":                 c.cfg.Group,
		"messageModel":                  c.cfg.Model.String(),
		"consumeFromWhere":              c.cfg.FromWhere.String(),
		"consumeThreadMin":              strconv.Itoa(c.cfg.ThreadCount),
		"consumeThreadMax":              strconv.Itoa(c.cfg.ThreadCount),
		"consumeMessageBatchMaxSize":    strconv.Itoa(c.cfg.BatchMaxSize),
		"pullBatchSize":                 strconv.Itoa(c.cfg.PullBatchSize),
		"pullThresholdForQueue":         strconv.Itoa(c.cfg.MaxCachedMessagesPerQueue),
		"pullThresholdSizeForQueue":     strconv.Itoa(c.cfg.MaxCachedMiBPerQueue),
		"maxReconsumeTimes":             strconv.Itoa(c.cfg.MaxReconsumeTimes),
		"suspendCurrentQueueTimeMillis": strconv.FormatInt(c.cfg.SuspendCurrentQueue.Milliseconds(), 10),
		"persistConsumerOffsetInterval": strconv.FormatInt(c.cfg.PersistInterval.Milliseconds(), 10),
		"clientId":                      c.client.ID(),
	}
	subs := c.ConsumerData().SubscriptionDataSet

	c.qmu.RLock()
	mqTable := make(map[route.MessageQueue]processQueueInfo, len(c.queues))
	for mq, t := range c.queues {
		lo, hi := t.pq.CachedRange()
		info := processQueueInfo{
			CachedMsgMinOffset:   lo,
			CachedMsgMaxOffset:   hi,
			CachedMsgCount:       t.pq.Count(),
			CachedMsgSizeInMiB:   t.pq.Bytes() >> 20,
			Locked:               t.pq.Locked(),
			Dropped:              t.pq.Dropped(),
			LastPullTimestamp:    t.pq.LastPull().UnixMilli(),
			LastConsumeTimestamp: t.lastConsume.Load(),
			CommitOffset:         -1,
		}
		if until := t.pq.LockedUntil(); !until.IsZero() {
			info.LastLockTimestamp = until.Add(-lockLease).UnixMilli()
		}
		if o, ok := memoryOffset(c.offsets, mq); ok {
			info.CommitOffset = o
		}
		mqTable[mq] = info
	}
	c.qmu.RUnlock()

	status := make(map[string]consumeStatus, len(c.stats))
	for topic, s := range c.stats {
		status[topic] = s.status(now)
	}

	var stack string
	if withStack {
		buf := make([]byte, maxStackDump)
		stack = string(buf[:runtime.Stack(buf, true)])
	}

	out := []byte(`{"properties":`)
	var err error
	if out, err = appendJSON(out, props); err != nil {
		return nil, err
	}
	out = append(out, `,"subscriptionSet":`...)
	if out, err = appendJSON(out, subs); err != nil {
		return nil, err
	}
	out = append(out, `,"mqTable":`...)
	out = client.AppendQueueKeyedJSON(out, mqTable, func(dst []byte, v processQueueInfo) []byte {
		dst, _ = appendJSON(dst, v) // a struct of numbers and booleans
		return dst
	})
	out = append(out, `,"statusTable":`...)
	if out, err = appendJSON(out, status); err != nil {
		return nil, err
	}
	out = append(out, `,"jstack":`...)
	if out, err = appendJSON(out, stack); err != nil {
		return nil, err
	}
	return append(out, '}'), nil
}

func appendJSON(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// consumeDirectlyResult is Java's ConsumeMessageDirectlyResult.
type consumeDirectlyResult struct {
	Order          bool   `json:"order"`
	AutoCommit     bool   `json:"autoCommit"`
	ConsumeResult  string `json:"consumeResult"` // CR_SUCCESS, CR_LATER, CR_THROW_EXCEPTION, ...
	Remark         string `json:"remark"`
	SpentTimeMills int64  `json:"spentTimeMills"`
}

// ConsumeMessageDirectly implements client.ConsumerAdmin: it runs the listener on one
// message outside the queues (its offset is not touched) and reports the verdict.
func (c *PushConsumer) ConsumeMessageDirectly(msg *message.MessageExt, brokerName string) ([]byte, error) {
	if !c.started.Load() {
		return nil, ErrNotStarted
	}
	if msg.Topic == message.RetryTopic(c.cfg.Group) {
		if orig := msg.Property(message.PropertyRetryTopic); orig != "" {
			msg.Topic = orig
		}
	}
	res := consumeDirectlyResult{Order: c.orderly, AutoCommit: true}
	start := time.Now()
	var panicked any
	status := func() (s ConsumeStatus) {
		defer func() {
			if panicked = recover(); panicked != nil {
				s = ReconsumeLater
			}
		}()
		return c.listener([]*message.MessageExt{msg})
	}()
	res.SpentTimeMills = time.Since(start).Milliseconds()
	switch {
	case panicked != nil:
		res.ConsumeResult, res.Remark = "CR_THROW_EXCEPTION", "the listener panicked"
	case status == ConsumeSuccess:
		res.ConsumeResult = "CR_SUCCESS"
	default:
		res.ConsumeResult = "CR_LATER"
	}
	c.log.Info("consumed a message directly", "msgId", msg.MsgID, "broker", brokerName, "result", res.ConsumeResult)
	return json.Marshal(res)
}

// ResetOffset implements client.ConsumerAdmin: each owned queue of topic named in offsets
// is given up with its offset replaced and persisted, and a rebalance takes it again from
// there with nothing of the old position cached.
func (c *PushConsumer) ResetOffset(topic string, offsets map[route.MessageQueue]int64) {
	if !c.started.Load() {
		return
	}
	c.tableMu.Lock()
	defer c.tableMu.Unlock()
	if c.closing.Load() {
		return
	}
	for mq, o := range offsets {
		if mq.Topic != topic || o < 0 {
			continue
		}
		if t := c.task(mq); t != nil {
			c.log.Info("offset reset by the broker", "mq", mq, "offset", o)
			c.release(t, o)
		}
	}
	c.MembershipChanged()
}

// ConsumerStatus implements client.ConsumerAdmin: the offsets of the owned queues of topic.
func (c *PushConsumer) ConsumerStatus(topic string) map[route.MessageQueue]int64 {
	out := make(map[route.MessageQueue]int64)
	for _, mq := range c.ownedQueues() {
		if mq.Topic != topic {
			continue
		}
		if o, ok := memoryOffset(c.offsets, mq); ok {
			out[mq] = o
		}
	}
	return out
}
