#!/usr/bin/env python3
"""Control-plane side of `scripts/bench --scale`: sets up N REST APIs, each with a deployed
MOCK stage, on a running Portico, and times the operations whose cost must not grow with N.
Plain `http.client` on one keep-alive connection, so the client's own cost is the same at
every N. Prints one JSON object per command on stdout.

  bench-scale.py PORT setup N           -> {"load": API_ID, "write": API_ID}
  bench-scale.py PORT measure           -> latencies in ms (medians)
  bench-scale.py PORT writer API SECS RATE -> {"writes": count}
"""
import http.client
import json
import statistics
import sys
import time


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = self.conn.getresponse()
        text = response.read()
        if response.status >= 300:
            sys.exit(f"bench-scale: {method} {path} -> {response.status}: {text[:300]!r}")
        return json.loads(text) if text else None

    def timed(self, method, path, body=None):
        started = time.perf_counter()
        out = self.call(method, path, body)
        return (time.perf_counter() - started) * 1000, out


def put_mock(c, api_id, resource_id):
    base = f"/restapis/{api_id}/resources/{resource_id}/methods/GET"
    c.call("PUT", base, {"authorizationType": "NONE"})
    c.call("PUT", base + "/integration",
           {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}})
    c.call("PUT", base + "/integration/responses/200",
           {"responseTemplates": {"application/json": '{"hello": "world"}'}})


def new_api(c, name):
    api = c.call("POST", "/restapis", {"name": name, "endpointConfiguration": {"types": ["REGIONAL"]}})
    return api["id"], api["rootResourceId"]


def setup(c, n):
    """N APIs with a deployed MOCK stage; the first is loaded, the last is written to (so at
    N=1 one more API is made for the writes)."""
    ids = []
    for i in range(max(n, 2)):
        api_id, root = new_api(c, f"scale-{i}")
        if i < n:
            put_mock(c, api_id, root)
            c.call("POST", f"/restapis/{api_id}/deployments", {"stageName": "bench"})
        ids.append(api_id)
    return {"load": ids[0], "write": ids[-1]}


def median_ms(samples):
    return round(statistics.median(samples), 3)


def timed_many(c, calls, warm=5):
    """Median of the timed calls, after `warm` untimed ones of the same kind."""
    samples = []
    for i, (method, path, body) in enumerate(calls):
        ms, _ = c.timed(method, path, body)
        if i >= warm:
            samples.append(ms)
    return median_ms(samples)


def measure(c):
    out = {}
    # (a) GetRestApis, first and last page. Pages of 25 (the default) hold one item when there is
    # one API and 25 otherwise; pages of one item show the cost of finding the page alone.
    for limit in (25, 1):
        first = timed_many(c, [("GET", f"/restapis?limit={limit}", None)] * 105)
        position, last_position = None, None
        while True:
            page = c.call("GET", f"/restapis?limit={limit}" + (f"&position={position}" if position else ""))
            if not page.get("position"):
                break
            last_position = position = page["position"]
        last_path = f"/restapis?limit={limit}" + (f"&position={last_position}" if last_position else "")
        last = timed_many(c, [("GET", last_path, None)] * 105)
        suffix = "" if limit == 25 else "_one_item"
        out[f"get_rest_apis_first_page{suffix}_ms"] = first
        out[f"get_rest_apis_last_page{suffix}_ms"] = last

    # (b) CreateResource in an API holding 1, then 500 resources.
    api_id, root = new_api(c, "grow")
    small = timed_many(c, [("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": f"s{i}"}) for i in range(35)])
    while len(c.call("GET", f"/restapis/{api_id}/resources?limit=500")["item"]) < 500:
        for i in range(50):
            c.call("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": f"g{time.perf_counter_ns()}{i}"})
    large = timed_many(c, [("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": f"l{i}"}) for i in range(35)])
    out["create_resource_in_1_ms"] = small
    out["create_resource_in_500_ms"] = large

    # (c) CreateDeployment of an API with 500 resources, each with a MOCK method.
    api_id, root = new_api(c, "deploy500")
    put_mock(c, api_id, root)
    for i in range(499):
        resource = c.call("POST", f"/restapis/{api_id}/resources/{root}", {"pathPart": f"r{i}"})
        put_mock(c, api_id, resource["id"])
    deploys = timed_many(c, [("POST", f"/restapis/{api_id}/deployments", {"stageName": "big"})] * 23, warm=3)
    out["create_deployment_500_ms"] = deploys
    return out


def writer(c, api_id, seconds, rate):
    """Updates one API `rate` times a second for `seconds`, as a Terraform apply would."""
    end = time.monotonic() + seconds
    writes = 0
    while time.monotonic() < end:
        c.call("PATCH", f"/restapis/{api_id}",
               {"patchOperations": [{"op": "replace", "path": "/description", "value": f"write {writes}"}]})
        writes += 1
        time.sleep(max(0.0, 1.0 / rate - 0.0005))
    return {"writes": writes}


def main():
    port, command, *args = sys.argv[1:]
    c = Client(int(port))
    if command == "setup":
        result = setup(c, int(args[0]))
    elif command == "measure":
        result = measure(c)
    elif command == "writer":
        result = writer(c, args[0], float(args[1]), float(args[2]))
    else:
        sys.exit(f"bench-scale: unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
