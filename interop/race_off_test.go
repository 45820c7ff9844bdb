//go:build !race

package interop

const raceBuild = false
