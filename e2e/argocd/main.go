// argocd-health evaluates an Argo CD resource health check (a Lua script) on Kubernetes objects
// the way Argo CD's application controller evaluates a custom check from argocd-cm:
// gopher-lua (the interpreter Argo CD embeds, same version as Argo CD 3.6), the standard
// libraries left closed except package, base and table, the object as the global `obj`, a
// one-second budget, the returned table encoded with layeh.com/gopher-json (as Argo CD does)
// and read as {status, message}; a status outside Argo CD's set reads as Unknown.
//
//	argocd-health -script health.lua FILE...   (FILE: an object or a List as JSON, - for stdin)
//
// prints one line per object: NAMESPACE/NAME <TAB> STATUS <TAB> MESSAGE. Exit 1 on any error
// (a script error is an error, as it is for Argo CD).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

type health struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

var validStatus = map[string]bool{
	"Unknown": true, "Progressing": true, "Suspended": true,
	"Healthy": true, "Degraded": true, "Missing": true,
}

// toLua converts decoded JSON into Lua values: objects to hash tables, arrays to array tables,
// numbers to LNumber, null to nil.
func toLua(l *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []interface{}:
		t := l.CreateTable(len(x), 0)
		for _, e := range x {
			t.Append(toLua(l, e))
		}
		return t
	case map[string]interface{}:
		t := l.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetH(lua.LString(k), toLua(l, e))
		}
		return t
	}
	return lua.LNil
}

func evaluate(script string, obj map[string]interface{}) (health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true},
			lua.LString(lib.name)); err != nil {
			return health{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return health{}, err
	}
	ret := l.Get(-1)
	if ret.Type() != lua.LTTable {
		return health{}, fmt.Errorf("expect table output from Lua script, not %s", ret.Type())
	}
	raw, err := luajson.Encode(ret)
	if err != nil {
		return health{}, err
	}
	var h health
	if err := json.Unmarshal(raw, &h); err != nil {
		return health{}, err
	}
	if !validStatus[h.Status] {
		return health{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return h, nil
}

func objects(path string) ([]map[string]interface{}, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var o map[string]interface{}
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	items, isList := o["items"].([]interface{})
	if !isList {
		return []map[string]interface{}{o}, nil
	}
	var out []map[string]interface{}
	for _, it := range items {
		if m, ok := it.(map[string]interface{}); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func name(o map[string]interface{}) string {
	md, _ := o["metadata"].(map[string]interface{})
	ns, _ := md["namespace"].(string)
	n, _ := md["name"].(string)
	return ns + "/" + n
}

func main() {
	scriptPath := flag.String("script", "", "the health check (Lua)")
	flag.Parse()
	if *scriptPath == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: argocd-health -script FILE.lua OBJECT.json...")
		os.Exit(2)
	}
	script, err := os.ReadFile(*scriptPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, path := range flag.Args() {
		objs, err := objects(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, o := range objs {
			h, err := evaluate(string(script), o)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", name(o), err)
				os.Exit(1)
			}
			fmt.Printf("%s\t%s\t%s\n", name(o), h.Status, h.Message)
		}
	}
}
