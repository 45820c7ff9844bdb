package message

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessageProperties(t *testing.T) {
	var m Message
	assert.Nil(t, m.Properties, "no map until a property is set")
	assert.Equal(t, "", m.Property("x"))
	m.RemoveProperty("x") // no-op on a nil map

	m.SetProperty("x", "1")
	require.NotNil(t, m.Properties)
	assert.Equal(t, "1", m.Property("x"))
	m.RemoveProperty("x")
	assert.Equal(t, "", m.Property("x"))
}

func TestMessageTags(t *testing.T) {
	var m Message
	m.SetTags("TagA")
	assert.Equal(t, "TagA", m.Tags())
	assert.Equal(t, "TagA", m.Properties[PropertyTags])
	m.SetTags("")
	_, ok := m.Properties[PropertyTags]
	assert.False(t, ok)
}

func TestMessageKeys(t *testing.T) {
	var m Message
	assert.Nil(t, m.Keys())
	m.SetKeys("k1", "k2", "k3")
	assert.Equal(t, "k1 k2 k3", m.Properties[PropertyKeys])
	assert.Equal(t, []string{"k1", "k2", "k3"}, m.Keys())

	m.SetProperty(PropertyKeys, "  a  b ")
	assert.Equal(t, []string{"a", "b"}, m.Keys(), "empty parts are dropped")

	m.SetKeys()
	_, ok := m.Properties[PropertyKeys]
	assert.False(t, ok)
	m.SetKeys("", "")
	_, ok = m.Properties[PropertyKeys]
	assert.False(t, ok)
}

func TestMessageUniqKeyAndDelay(t *testing.T) {
	var m Message
	assert.Equal(t, "", m.UniqKey())
	m.SetProperty(PropertyUniqClientMessageIDKeyIndex, "ABC")
	assert.Equal(t, "ABC", m.UniqKey())

	assert.Equal(t, 0, m.DelayTimeLevel())
	m.SetDelayTimeLevel(3)
	assert.Equal(t, "3", m.Properties[PropertyDelayTimeLevel])
	assert.Equal(t, 3, m.DelayTimeLevel())
	for _, bad := range []string{"x", "", "-2", "1.5"} {
		m.SetProperty(PropertyDelayTimeLevel, bad)
		assert.Equal(t, 0, m.DelayTimeLevel(), bad)
	}
	m.SetDelayTimeLevel(0)
	_, ok := m.Properties[PropertyDelayTimeLevel]
	assert.False(t, ok)
}

func TestTopicsAndConstants(t *testing.T) {
	assert.Equal(t, "%RETRY%g", RetryTopic("g"))
	assert.Equal(t, "%DLQ%g", DLQTopic("g"))
	assert.True(t, IsRetryTopic(RetryTopic("g")))
	assert.False(t, IsRetryTopic("g"))
	assert.True(t, IsDLQTopic(DLQTopic("g")))

	assert.Equal(t, "TAGS", PropertyTags)
	assert.Equal(t, "DELAY", PropertyDelayTimeLevel)
	assert.Equal(t, "WAIT", PropertyWaitStoreMsgOK)
	assert.Equal(t, "REAL_QID", PropertyRealQueueID)
	assert.Equal(t, "TRAN_MSG", PropertyTransactionPrepared)
	assert.Equal(t, "PGROUP", PropertyProducerGroup)
	assert.Equal(t, "UNIQ_KEY", PropertyUniqClientMessageIDKeyIndex)
	assert.Equal(t, "TRACE_ON", PropertyTraceSwitch)
	assert.Equal(t, "__transactionId__", PropertyTransactionID)
	assert.Equal(t, "TBW102", DefaultTopic)
	assert.Equal(t, "SCHEDULE_TOPIC_XXXX", ScheduleTopic)
}

func TestTransactionValue(t *testing.T) {
	f := SysFlagCompressed | SysFlagTransactionPrepared | SysFlagBornHostV6
	assert.Equal(t, SysFlagTransactionPrepared, TransactionValue(f))
	g := ResetTransactionValue(f, SysFlagTransactionCommit)
	assert.Equal(t, SysFlagTransactionCommit, TransactionValue(g))
	assert.Equal(t, SysFlagCompressed|SysFlagBornHostV6, g&^SysFlagTransactionRollback)
	assert.Equal(t, SysFlagCompressed|SysFlagBornHostV6, ResetTransactionValue(f, SysFlagTransactionNotType))
	assert.Equal(t, f&^SysFlagTransactionRollback|SysFlagTransactionRollback,
		ResetTransactionValue(f, SysFlagTransactionRollback|SysFlagCompressionZlib),
		"bits outside the transaction field are ignored")
}
