package producer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// SendSync sends msg and waits for the broker to store it. It makes up to RetryTimes
// attempts within SendTimeout (and ctx), each on a different broker than the previous
// failed one when the topic has several:
//
//   - transport failures and timeouts, and the broker codes upstream retries (TOPIC_NOT_EXIST,
//     SERVICE_NOT_AVAILABLE, SYSTEM_ERROR, SYSTEM_BUSY, NO_PERMISSION, NO_BUYER_ID,
//     NOT_IN_CURRENT_UNIT) are retried; other broker codes (MESSAGE_ILLEGAL, ...) end the
//     send at once, wrapped as *remoting.Error;
//   - a broker that answered SYSTEM_BUSY (its flow control) rests under fault avoidance, and
//     an attempt that must go back to it anyway (no other broker) first waits: 50 ms,
//     doubling with each busy answer, at most a quarter of the time left;
//   - a stored-but-not-OK status (flush or slave timeout) is retried too, as the C++ client
//     does. If every attempt ends that way, the last result is returned together with an
//     error wrapping ErrNotStoredOK, so a non-nil result always means "stored".
//
// Each attempt but the last may use half of the time left, so that one broker that stalls
// cannot consume the whole SendTimeout. msg is not modified: its UNIQ_KEY (generated when
// absent) is in the result's MsgID and is the same on every attempt.
func (p *Producer) SendSync(ctx context.Context, msg *message.Message) (*SendResult, error) {
	if err := p.begin(); err != nil {
		return nil, err
	}
	defer p.end()
	o, err := p.prepare(msg, sendMode{})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := p.sendSync(ctx, &o, p.cfg.RetryTimes, nil)
	if p.tracer != nil {
		p.tracePub(start, []*message.Message{msg}, res, false)
	}
	return res, err
}

// SendOneway sends msg once without waiting for an answer; it returns when the request is
// written. Failures are reported but not retried.
func (p *Producer) SendOneway(ctx context.Context, msg *message.Message) error {
	if err := p.begin(); err != nil {
		return err
	}
	defer p.end()
	o, err := p.prepare(msg, sendMode{})
	if err != nil {
		return err
	}
	pi, err := p.publishInfo(ctx, o.topic)
	if err != nil {
		return err
	}
	return p.sendOneway(ctx, &o, pi, p.pickQueue(pi, ""))
}

func (p *Producer) sendOneway(ctx context.Context, o *outgoing, pi *publishInfo, i int) error {
	mq, addr := pi.queues[i], pi.addrs[i]
	r := getRequest()
	r.fill(p.cfg.Group, o, mq.BrokerName, mq.QueueID)
	err := p.client.Remote().InvokeOneway(ctx, addr, r.command(o), p.cfg.SendTimeout)
	putRequest(r)
	if err != nil {
		p.recordFault(mq.BrokerName, 0, true)
		return fmt.Errorf("%w: oneway to %s (%s): %w", ErrSendFailed, mq, addr, err)
	}
	return nil
}

// deadline is when a send started at start must be over.
func (p *Producer) deadline(ctx context.Context, start time.Time) time.Time {
	d := start.Add(p.cfg.SendTimeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// attemptBudget is the timeout of one attempt: half of what is left while more attempts
// may follow, all of it for the last.
func attemptBudget(remaining time.Duration, attempt, attempts int) time.Duration {
	if attempt < attempts-1 {
		return remaining / 2
	}
	return remaining
}

// orderly is an orderly send's queue choice. Its first attempt goes to the selector's
// queue; later ones to the next queue after the previous one (the C++ client's rule), or,
// with sameQueue, to the same queue again.
type orderly struct {
	sel       Selector
	msg       *message.Message
	sameQueue bool
	index     int
}

// choose picks the queue index of an attempt.
func (p *Producer) choose(pi *publishInfo, ord *orderly, attempt int, lastBroker string) (int, error) {
	if ord == nil {
		return p.pickQueue(pi, lastBroker), nil
	}
	n := len(pi.queues)
	switch {
	case attempt == 0:
		i := ord.sel(n, ord.msg)
		if i < 0 || i >= n {
			return 0, fmt.Errorf("%w: %d, the topic %s has %d queues", ErrQueueIndex, i, pi.queues[0].Topic, n)
		}
		ord.index = i
	case !ord.sameQueue:
		ord.index = (ord.index + 1) % n
	default:
		ord.index %= n // the route may have shrunk meanwhile
	}
	return ord.index, nil
}

// sendSync is the retry loop of the sync sends (single, batch, orderly).
func (p *Producer) sendSync(ctx context.Context, o *outgoing, attempts int, ord *orderly) (*SendResult, error) {
	start := time.Now()
	deadline := p.deadline(ctx, start)
	var (
		lastErr    error
		stored     *SendResult // last stored-but-not-OK answer
		lastBroker string
		busyBroker string // the last broker that answered SYSTEM_BUSY
		busies     int
		n          int
	)
	for n = 0; n < attempts; n++ {
		if err := ctx.Err(); err != nil {
			lastErr = err
			break
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			break
		}
		pi, err := p.publishInfo(ctx, o.topic)
		if err != nil {
			return nil, err
		}
		i, err := p.choose(pi, ord, n, lastBroker)
		if err != nil {
			return nil, err
		}
		mq := pi.queues[i]
		if busies > 0 && mq.BrokerName == busyBroker {
			if !pauseUntil(ctx, busyBackoff(busies, time.Until(deadline))) {
				lastErr = fmt.Errorf("%w; %w while waiting to retry", lastErr, ctx.Err())
				break
			}
		}
		t0 := time.Now()
		res, err := p.attemptSync(ctx, pi.addrs[i], mq, o, attemptBudget(remaining, n, attempts))
		latency := time.Since(t0)
		lastBroker = mq.BrokerName
		if err == nil {
			p.recordFault(mq.BrokerName, latency, false)
			if res.Status == SendOK {
				return res, nil
			}
			stored, lastErr = res, fmt.Errorf("%w: %s from %s", ErrNotStoredOK, res.Status, mq)
			p.log.Debug("stored without SEND_OK, retrying", "status", res.Status, "queue", mq, "msgId", o.msgID)
			continue
		}
		retry, isolate := classify(err)
		if isolate {
			p.recordFault(mq.BrokerName, latency, true)
		}
		if isBusy(err) {
			busies++
			busyBroker = mq.BrokerName
		}
		lastErr = fmt.Errorf("%s (%s): %w", mq, pi.addrs[i], err)
		if !retry {
			n++
			break
		}
		p.log.Debug("send attempt failed", "attempt", n+1, "queue", mq, "msgId", o.msgID, "err", err)
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("%w: SendTimeout %v used up", remoting.ErrTimeout, p.cfg.SendTimeout)
	}
	return stored, fmt.Errorf("%w: topic %s, msgId %s, %d attempt(s) in %v: %w",
		ErrSendFailed, o.topic, o.msgID, n, time.Since(start).Round(time.Millisecond), lastErr)
}

// attemptSync is one SEND_MESSAGE_V2 (or batch) round trip.
func (p *Producer) attemptSync(ctx context.Context, addr string, mq route.MessageQueue, o *outgoing, timeout time.Duration) (*SendResult, error) {
	if addr == "" {
		return nil, fmt.Errorf("rocketmq: the broker[%s] has no master address", mq.BrokerName)
	}
	r := getRequest()
	r.fill(p.cfg.Group, o, mq.BrokerName, mq.QueueID)
	resp, err := p.client.Remote().InvokeSyncResponse(ctx, addr, r.command(o), timeout)
	putRequest(r)
	if err != nil {
		return nil, err
	}
	defer resp.Release()
	return parseSendResponse(resp, o.topic, mq.BrokerName, o.msgID)
}

func (p *Producer) recordFault(broker string, latency time.Duration, failed bool) {
	if !p.cfg.DisableFaultAvoidance {
		p.faults.update(broker, latency, failed)
	}
}

// classify says whether a failed attempt is worth another on a different broker, and
// whether the broker should rest. Java also rests a broker for answers it does not retry
// (MESSAGE_ILLEGAL, say), which only punishes a healthy broker for a bad message.
func classify(err error) (retry, isolate bool) {
	var be *remoting.Error
	switch {
	case errors.As(err, &be):
		r := retriedCode(be.Code)
		return r, r
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false, false
	case errors.Is(err, errMalformedResponse):
		return false, false
	}
	return true, true
}

// retriedCode lists the broker answers retried on another broker: Java's retryResponseCodes
// (SYSTEM_BUSY among them since 5.x; the C++ client retries every failure).
func retriedCode(code int32) bool {
	switch code {
	case remoting.TopicNotExist, remoting.ServiceNotAvailable, remoting.SystemError, remoting.SystemBusy,
		remoting.NoPermission, remoting.NoBuyerID, remoting.NotInCurrentUnit:
		return true
	}
	return false
}

// isBusy reports a broker's flow-control answer: SYSTEM_BUSY ([PC_SYNCHRONIZED],
// [TIMEOUT_CLEAN_QUEUE], [OVERLOAD], [REJECTREQUEST] ...).
func isBusy(err error) bool {
	var be *remoting.Error
	return errors.As(err, &be) && be.Code == remoting.SystemBusy
}

// First pause before going back to a busy broker; it doubles with each busy answer.
const busyBackoffBase = 50 * time.Millisecond

// busyBackoff is the pause after the n-th busy answer, at most a quarter of what is left
// so that the retry still has time.
func busyBackoff(n int, remaining time.Duration) time.Duration {
	d := busyBackoffBase << min(n-1, 10)
	return min(d, remaining/4)
}

// pauseUntil waits d unless ctx ends first, and reports whether it waited it out.
func pauseUntil(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
