package health

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/go-ole/go-ole"
	"github.com/go-ole/go-ole/oleutil"
)

// searchWindowsUpdates asks the Windows Update Agent which updates wait to be installed.
// COM calls cannot be cancelled: when ctx ends first, the search is left to finish on its
// own thread and its answer is dropped.
func searchWindowsUpdates(ctx context.Context) (pendingUpdates, error) {
	type answer struct {
		updates []wuaUpdate
		err     error
	}
	ch := make(chan answer, 1)
	go func() {
		u, err := searchWUA()
		ch <- answer{u, err}
	}()
	select {
	case a := <-ch:
		return summarizeWUA(a.updates), a.err
	case <-ctx.Done():
		return pendingUpdates{}, fmt.Errorf("search Windows Update: %w", ctx.Err())
	}
}

// searchWUA runs Microsoft.Update.Session → CreateUpdateSearcher → Search offline: it reads
// what Windows Update found in its own last scan (it scans daily), so it needs no network
// and takes seconds, not minutes.
func searchWUA() ([]wuaUpdate, error) {
	runtime.LockOSThread() // COM state belongs to the thread
	defer runtime.UnlockOSThread()
	if err := ole.CoInitializeEx(0, ole.COINIT_MULTITHREADED); err != nil {
		var oleErr *ole.OleError
		if !errors.As(err, &oleErr) || oleErr.Code() != 1 { // S_FALSE: already started here
			return nil, fmt.Errorf("start COM: %w", err)
		}
	}
	defer ole.CoUninitialize()

	unknown, err := oleutil.CreateObject("Microsoft.Update.Session")
	if err != nil {
		return nil, fmt.Errorf("open Windows Update: %w", err)
	}
	defer unknown.Release()
	session, err := unknown.QueryInterface(ole.IID_IDispatch)
	if err != nil {
		return nil, fmt.Errorf("open Windows Update: %w", err)
	}
	defer session.Release()
	searcher, err := dispatch(oleutil.CallMethod(session, "CreateUpdateSearcher"))
	if err != nil {
		return nil, fmt.Errorf("search Windows Update: %w", err)
	}
	defer searcher.Release()
	if _, err := oleutil.PutProperty(searcher, "Online", false); err != nil {
		return nil, fmt.Errorf("search Windows Update: %w", err)
	}
	result, err := dispatch(oleutil.CallMethod(searcher, "Search", "IsInstalled=0 and IsHidden=0 and Type='Software'"))
	if err != nil {
		return nil, fmt.Errorf("search Windows Update: %w", err)
	}
	defer result.Release()
	list, err := dispatch(oleutil.GetProperty(result, "Updates"))
	if err != nil {
		return nil, fmt.Errorf("read Windows Update's answer: %w", err)
	}
	defer list.Release()
	return readUpdates(list)
}

func readUpdates(list *ole.IDispatch) ([]wuaUpdate, error) {
	count, err := oleutil.GetProperty(list, "Count")
	if err != nil {
		return nil, fmt.Errorf("read Windows Update's answer: %w", err)
	}
	n32, _ := count.Value().(int32)
	n := int(n32)
	updates := make([]wuaUpdate, 0, n)
	for i := range n {
		item, err := dispatch(oleutil.GetProperty(list, "Item", i))
		if err != nil {
			return nil, fmt.Errorf("read update %d: %w", i, err)
		}
		var u wuaUpdate
		if v, err := oleutil.GetProperty(item, "MsrcSeverity"); err == nil {
			u.MsrcSeverity, _ = v.Value().(string)
			v.Clear()
		}
		if v, err := oleutil.GetProperty(item, "LastDeploymentChangeTime"); err == nil {
			u.Released, _ = v.Value().(time.Time)
			v.Clear()
		}
		item.Release()
		updates = append(updates, u)
	}
	return updates, nil
}

// dispatch takes the IDispatch out of a call's answer; the caller releases it.
func dispatch(v *ole.VARIANT, err error) (*ole.IDispatch, error) {
	if err != nil {
		return nil, err
	}
	d := v.ToIDispatch()
	if d == nil {
		return nil, errors.New("no object in the answer")
	}
	return d, nil
}
