import { strict as assert } from "assert";
import { Netmask } from "netmask";
import { parseCidr, subnetLayout } from "../../components/network/cidr";

const overlap = (a: string, b: string) => {
    const x = new Netmask(a);
    const y = new Netmask(b);
    return x.contains(y.base) || y.contains(x.base);
};

describe("CIDR helpers", () => {
    it("parses canonical blocks only", () => {
        assert.deepEqual(parseCidr("10.0.0.0/16"), { base: "10.0.0.0", prefix: 16 });
        for (const bad of ["10.0.0.1/16", "10.0.0.0", "10.0.0.0/33", "256.0.0.0/8", "10.0.0/16", " 10.0.0.0/16"]) {
            assert.equal(parseCidr(bad), undefined, bad);
        }
    });

    it("gives each AZ a large private and a small public subnet inside the VPC, none overlapping", () => {
        const layout = subnetLayout("10.20.0.0/16", 3);
        assert.deepEqual(layout.private, ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"]);
        assert.deepEqual(layout.public, ["10.20.224.0/22", "10.20.228.0/22", "10.20.232.0/22"]);
        const all = [...layout.private, ...layout.public];
        for (const [i, a] of all.entries()) {
            assert.ok(new Netmask("10.20.0.0/16").contains(a), `${a} outside the VPC`);
            for (const b of all.slice(i + 1)) assert.ok(!overlap(a, b), `${a} overlaps ${b}`);
        }
    });

    it("never moves an existing subnet when an AZ is added", () => {
        const two = subnetLayout("10.10.0.0/16", 2);
        const four = subnetLayout("10.10.0.0/16", 4);
        assert.deepEqual(four.private.slice(0, 2), two.private);
        assert.deepEqual(four.public.slice(0, 2), two.public);
    });

    it("scales with the smallest supported VPC", () => {
        const layout = subnetLayout("172.16.0.0/20", 4);
        assert.deepEqual(layout.private, ["172.16.0.0/23", "172.16.2.0/23", "172.16.4.0/23", "172.16.6.0/23"]);
        assert.deepEqual(layout.public, ["172.16.14.0/26", "172.16.14.64/26", "172.16.14.128/26", "172.16.14.192/26"]);
    });

    it("refuses layouts it cannot make", () => {
        assert.throws(() => subnetLayout("10.0.0.0/24", 2), /prefix \/24 outside \/16-\/20/);
        assert.throws(() => subnetLayout("10.0.0.0/16", 5), /azCount 5 outside 1-4/);
        assert.throws(() => subnetLayout("10.0.0.1/16", 2), /invalid CIDR/);
    });
});
