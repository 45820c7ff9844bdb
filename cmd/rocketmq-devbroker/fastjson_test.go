package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFastjsonObjectKeys(t *testing.T) {
	// ConsumeStats as a Java broker writes it, and a Long-keyed map.
	o, err := parseFastjsonObject([]byte(`{"consumeTps":1.5E-4,"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{"brokerOffset":7,"consumerOffset":5,"lastTimestamp":0}},` +
		`"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.2:10911"}}`))
	require.NoError(t, err)
	assert.InDelta(t, 1.5e-4, o.float("consumeTps"), 1e-12)
	table := o.obj("offsetTable")
	require.Len(t, table.keys, 1)
	mq := table.keys[0].(*fjObject)
	assert.Equal(t, "T", mq.str("topic"))
	assert.Equal(t, int64(1), mq.int("queueId"))
	assert.Equal(t, int64(7), table.vals[0].(*fjObject).int("brokerOffset"))
	addrs := o.obj("brokerAddrs")
	assert.Equal(t, []any{json.Number("0"), json.Number("1")}, addrs.keys)
	assert.Equal(t, "127.0.0.2:10911", addrs.vals[1])
}

func TestFastjsonValues(t *testing.T) {
	v, err := parseFastjson([]byte(` {"s":"a\"\\\/\n\u00e9\ud83d\ude00","n":null,"t":true,"f":false,"a":[1,-2.5,[],{}]} `))
	require.NoError(t, err)
	o := v.(*fjObject)
	assert.Equal(t, "a\"\\/\né😀", o.str("s"))
	assert.Nil(t, o.get("n"))
	assert.Equal(t, true, o.get("t"))
	assert.Equal(t, false, o.get("f"))
	assert.Equal(t, []any{json.Number("1"), json.Number("-2.5"), []any{}, &fjObject{}}, o.get("a"))
	assert.Nil(t, o.get("missing"))
	assert.Equal(t, "", (*fjObject)(nil).str("x"), "a missing object reads as empty")

	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1 2]`, `"abc`, `{"a":tru}`, `1.2.3`, `{} x`, `"\u12"`, `"\q"`} {
		_, err := parseFastjson([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
	deep := make([]byte, 0, 200)
	for i := 0; i < 100; i++ {
		deep = append(deep, '[')
	}
	_, err = parseFastjson(deep)
	assert.ErrorContains(t, err, "nested too deeply")
	_, err = parseFastjsonObject([]byte(`[]`))
	assert.Error(t, err)
}
