const m = await import("@matter/main");
for (const n of ["WalStorageDriver","MemoryStorageDriver","StorageService","Filesystem","NetworkSimulator","Crypto","Entropy","Network","Environment","ServerNode","Endpoint","StatusResponseError","Status","ManualPairingCodeCodec","QrPairingCodeCodec","QrCode","Logger","LogLevel","Read","VendorId","MdnsService"]) console.log(n, n in m);
const p = await import("@matter/main/protocol"); console.log("proto Read", "Read" in p, "QrPairingCodeCodec" in p);
const n = await import("@matter/nodejs"); console.log("NodeJsFilesystem" in n);
