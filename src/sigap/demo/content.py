"""Indonesian demo content for PT Nusantara Niaga Digital ("Belanjaku"): e-commerce,
delivery and payments. Pure data; ``loader.py`` turns it into tickets through the services.

Everything here is fictional: names, order numbers, e-mail domains (``contoh.id``).
"""

from __future__ import annotations

from typing import Any

TEAMS: list[tuple[str, str]] = [
    ("pengiriman", "Pengiriman"),
    ("pembayaran", "Pembayaran"),
    ("teknis", "Layanan Teknis"),
    ("umum", "Layanan Umum"),
]

STAFF: list[dict[str, Any]] = [
    {"username": "admin", "full_name": "Hadi Prasetyo", "role": "admin", "teams": []},
    {
        "username": "sari.spv",
        "full_name": "Sari Wulandari",
        "role": "supervisor",
        "teams": ["pengiriman", "umum"],
    },
    {
        "username": "yusuf.spv",
        "full_name": "Yusuf Hutapea",
        "role": "supervisor",
        "teams": ["pembayaran", "teknis"],
    },
    {
        "username": "rina.agen",
        "full_name": "Rina Marlina",
        "role": "agent",
        "teams": ["pengiriman"],
    },
    {
        "username": "dodi.agen",
        "full_name": "Dodi Firmansyah",
        "role": "agent",
        "teams": ["pengiriman", "umum"],
    },
    {
        "username": "ayu.agen",
        "full_name": "Ni Luh Ayu Kartika",
        "role": "agent",
        "teams": ["pembayaran"],
    },
    {
        "username": "fajar.agen",
        "full_name": "Fajar Nugroho",
        "role": "agent",
        "teams": ["pembayaran"],
    },
    {
        "username": "michael.agen",
        "full_name": "Michael Tanoto",
        "role": "agent",
        "teams": ["teknis"],
    },
    {
        "username": "nurul.agen",
        "full_name": "Nurul Hidayah",
        "role": "agent",
        "teams": ["teknis", "umum"],
    },
    {"username": "andi.agen", "full_name": "Andi Makkasau", "role": "agent", "teams": ["umum"]},
    {
        "username": "maria.agen",
        "full_name": "Maria Magdalena Wenda",
        "role": "agent",
        "teams": ["pengiriman", "pembayaran"],
    },
]


def _c(
    name: str,
    kind: str,
    temperament: str,
    tier: str,
    email: str | None,
    phone: str | None,
    city: str,
    notes: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "temperament": temperament,
        "loyalty_tier": tier,
        "email": email,
        "phone": phone,
        "city": city,
        "notes": notes,
    }


CUSTOMERS: list[dict[str, Any]] = [
    _c(
        "Budi Santoso",
        "external",
        "talkative",
        "gold",
        "budi.santoso@contoh.id",
        "0812-3456-7890",
        "Surabaya",
        "Pelanggan sejak 2019, sering belanja elektronik.",
    ),
    _c("Siti Rahmawati", "external", "quiet", "regular", "siti.rahma@contoh.id", None, "Bandung"),
    _c(
        "Ujang Suryana",
        "external",
        "thrifty",
        "regular",
        None,
        "0857-2211-3344",
        "Garut",
        "Lebih suka dihubungi lewat WhatsApp.",
    ),
    _c(
        "Tiurma Siregar",
        "external",
        "comparer",
        "silver",
        "tiurma.s@contoh.id",
        "+62 813 7012 4455",
        "Medan",
        "Sering membandingkan harga dengan toko lain.",
    ),
    _c(
        "Rizal Chaniago",
        "intermediary",
        "proud",
        "platinum",
        "rizal@tokominang.contoh.id",
        "0811-6677-8899",
        "Padang",
        "Reseller pakaian, omzet besar.",
    ),
    _c(
        "Andi Baso Tenri",
        "external",
        "arrogant",
        "silver",
        "andi.baso@contoh.id",
        "0821-9988-7766",
        "Makassar",
    ),
    _c(
        "I Gusti Ayu Putri",
        "external",
        "quiet",
        "gold",
        "gusti.putri@contoh.id",
        "0878-6123-4567",
        "Denpasar",
    ),
    _c(
        "Liem Swie King",
        "external",
        "comparer",
        "platinum",
        "liem.sk@contoh.id",
        "0816-1234-5678",
        "Jakarta Utara",
        "Pelanggan korporat pribadi, minta faktur pajak.",
    ),
    _c(
        "Yakobus Wenda",
        "external",
        "talkative",
        "regular",
        None,
        "0822-4800-1122",
        "Jayapura",
        "Alamat pengiriman di luar jangkauan kurir instan.",
    ),
    _c(
        "Dewi Lestari Pane",
        "external",
        "talkative",
        "regular",
        "dewi.pane@contoh.id",
        "0813-2200-3311",
        "Pematangsiantar",
    ),
    _c(
        "Hendra Gunawan",
        "intermediary",
        "thrifty",
        "gold",
        "hendra@dropship.contoh.id",
        "0819-5566-7788",
        "Semarang",
        "Dropshipper, ±40 pesanan per minggu.",
    ),
    _c("Wayan Sudarsana", "external", "quiet", "regular", "wayan.s@contoh.id", None, "Gianyar"),
    _c(
        "Fitri Handayani",
        "external",
        "proud",
        "silver",
        "fitri.h@contoh.id",
        "0852-1111-2222",
        "Palembang",
    ),
    _c(
        "Yohanes Kurniawan",
        "internal",
        "quiet",
        "regular",
        "yohanes.k@belanjaku.contoh.id",
        "0812-9000-1001",
        "Jakarta Selatan",
        "Staf gudang Cikarang.",
    ),
    _c(
        "Rahmat Hidayat",
        "internal",
        "talkative",
        "regular",
        "rahmat.h@belanjaku.contoh.id",
        "0812-9000-1002",
        "Bekasi",
        "Staf keuangan, pengguna internal sistem refund.",
    ),
    _c(
        "Lestari Wahyuningsih",
        "internal",
        "quiet",
        "regular",
        "lestari.w@belanjaku.contoh.id",
        None,
        "Yogyakarta",
        "Kepala gerai Yogyakarta.",
    ),
    _c(
        "Bayu Aji Pamungkas",
        "external",
        "arrogant",
        "regular",
        "bayu.aji@contoh.id",
        "0896-7788-9900",
        "Malang",
    ),
    _c(
        "Nur Aisyah Lubis",
        "external",
        "quiet",
        "gold",
        "aisyah.lubis@contoh.id",
        "0813-6022-7788",
        "Binjai",
    ),
    _c(
        "Ketut Arimbawa",
        "intermediary",
        "proud",
        "silver",
        "ketut@warungbali.contoh.id",
        "0819-3344-5566",
        "Singaraja",
        "Mitra toko oleh-oleh.",
    ),
    _c(
        "Maria Goretti Lamahala",
        "external",
        "talkative",
        "regular",
        "maria.lamahala@contoh.id",
        "0823-4100-2233",
        "Kupang",
    ),
    _c("Agus Salim Daeng", "external", "thrifty", "regular", None, "0853-4455-6677", "Parepare"),
    _c(
        "Intan Permatasari",
        "external",
        "comparer",
        "silver",
        "intan.p@contoh.id",
        "0815-8866-4422",
        "Depok",
    ),
    _c(
        "Teguh Santoso Wibowo",
        "external",
        "quiet",
        "regular",
        "teguh.sw@contoh.id",
        "0812-2768-5544",
        "Solo",
    ),
    _c(
        "Citra Kirana Hasibuan",
        "external",
        "proud",
        "platinum",
        "citra.kirana@contoh.id",
        "0811-6120-3344",
        "Medan",
        "Anggota Platinum sejak 2021.",
    ),
    _c(
        "Gilang Ramadhan",
        "external",
        "talkative",
        "regular",
        "gilang.r@contoh.id",
        "0857-1234-0099",
        "Bogor",
    ),
    _c(
        "Nadia Safitri",
        "external",
        "quiet",
        "regular",
        "nadia.safitri@contoh.id",
        None,
        "Pekanbaru",
    ),
    _c(
        "Dimas Anggara Putra",
        "intermediary",
        "comparer",
        "gold",
        "dimas@gadgetmurah.contoh.id",
        "0818-2233-4455",
        "Tangerang",
        "Reseller gawai.",
    ),
    _c(
        "Sri Mulyani Rahayu",
        "external",
        "thrifty",
        "regular",
        "sri.rahayu@contoh.id",
        "0856-4455-1212",
        "Cilacap",
    ),
    _c(
        "Joko Susilo",
        "internal",
        "arrogant",
        "regular",
        "joko.s@belanjaku.contoh.id",
        "0812-9000-1003",
        "Cikarang",
        "Koordinator armada kurir.",
    ),
    _c(
        "Felix Halim",
        "external",
        "comparer",
        "gold",
        "felix.halim@contoh.id",
        "0817-8899-0011",
        "Pontianak",
    ),
    _c("Marthen Rumbiak", "external", "quiet", "regular", None, "0821-9800-7766", "Biak"),
    _c(
        "Putu Eka Swastika",
        "intermediary",
        "talkative",
        "silver",
        "putu@kopibali.contoh.id",
        "0813-3800-2211",
        "Badung",
        "Mitra penjual kopi.",
    ),
    _c(
        "Annisa Rahmadani",
        "external",
        "proud",
        "regular",
        "annisa.r@contoh.id",
        "0852-6600-3311",
        "Banda Aceh",
    ),
    _c(
        "Hasan Basri Nasution",
        "external",
        "arrogant",
        "silver",
        "hasan.nst@contoh.id",
        "0812-6500-9988",
        "Padangsidimpuan",
    ),
    _c(
        "Wulan Sari Dewi",
        "external",
        "quiet",
        "regular",
        "wulan.sd@contoh.id",
        "0838-1200-3456",
        "Kediri",
    ),
    _c(
        "Benny Setiawan",
        "intermediary",
        "thrifty",
        "regular",
        "benny@grosirsetia.contoh.id",
        "0819-0011-2233",
        "Cirebon",
        "Grosir sembako.",
    ),
    _c(
        "Ratna Sari Manurung",
        "external",
        "talkative",
        "gold",
        "ratna.m@contoh.id",
        "0813-9700-4545",
        "Balige",
    ),
    _c(
        "Samuel Pangaribuan",
        "internal",
        "proud",
        "regular",
        "samuel.p@belanjaku.contoh.id",
        None,
        "Jakarta Barat",
        "Tim pemasaran; melapor promo yang janggal.",
    ),
    _c(
        "Lusiana Kurniasih",
        "external",
        "comparer",
        "regular",
        "lusi.k@contoh.id",
        "0812-1357-2468",
        "Tasikmalaya",
    ),
    _c(
        "Rudi Hartono Tan",
        "intermediary",
        "proud",
        "platinum",
        "rudi@elektronikjaya.contoh.id",
        "0816-8800-1122",
        "Surabaya",
        "Mitra resmi elektronik; kontrak B2B.",
    ),
    _c(
        "Ahmad Fauzi",
        "external",
        "thrifty",
        "regular",
        "ahmad.fauzi@contoh.id",
        "0858-7711-2299",
        "Lampung",
    ),
    _c(
        "Elisabeth Sinaga",
        "external",
        "quiet",
        "silver",
        "elisabeth.s@contoh.id",
        "0812-6060-1717",
        "Tarutung",
    ),
]

PACKAGE_LATE = {
    "team": "pengiriman",
    "kind": "complaint",
    "category": "service",
    "severity": "sederhana",
}


def _s(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "complainer_type": "active",
        "complainer_goal": "restitution",
        "response_type": "voice",
        "root_cause": "not_as_expected",
        "apology": None,
        "proposals": [],
        "rejection_reason": "",
        "followups": [],
        "replies": [],
        "notes": [],
        "tags": [],
    }
    base.update(kw)
    return base


def _apology(
    recognition: str,
    restitution: str,
    repetition: str,
    responsibility: str = "Ini sepenuhnya tanggung jawab kami sebagai penyedia layanan.",
    remorse: str = "Kami sungguh menyesal atas ketidaknyamanan yang Anda alami.",
) -> dict[str, str]:
    return {
        "recognition": recognition,
        "responsibility": responsibility,
        "remorse": remorse,
        "restitution": restitution,
        "repetition": repetition,
    }


def _p(summary: str, compensation_type: str = "none", amount: int = 0) -> dict[str, Any]:
    return {"summary": summary, "compensation_type": compensation_type, "amount": amount}


SCENARIOS: list[dict[str, Any]] = [
    # --- Pengiriman ---------------------------------------------------------------------------
    _s(
        **PACKAGE_LATE,
        channels=["whatsapp", "livechat"],
        root_cause="ignored",
        subject="Paket belum sampai setelah 7 hari",
        description="Halo min, paket saya BLJ-2026-104233 udah 7 hari gak sampai-sampai. "
        "Di aplikasi statusnya masih 'dalam perjalanan' dari kemarin lusa. Tolong dicek ya kak.",
        facts="Pesanan BLJ-2026-104233 dikirim 3 November dari gudang Cikarang dengan ekspedisi "
        "reguler. Status pelacakan berhenti di hub Semarang sejak 6 November.",
        restatement="Jadi paket pesanan BLJ-2026-104233 belum Anda terima sejak dikirim 3 November "
        "dan statusnya tidak bergerak sejak 6 November, betul begitu, Kak?",
        apology=_apology(
            "Kami mengakui paket Anda terlambat jauh dari estimasi tiga hari.",
            "Kami akan mengirim ulang barang Anda dengan kurir ekspres tanpa biaya.",
            "Kami menambahkan pemeriksaan harian untuk paket yang tertahan lebih dari 48 jam.",
        ),
        proposals=[
            _p("Kirim ulang barang dengan kurir ekspres, gratis ongkos kirim.", "replacement")
        ],
        followups=[
            "Oke kak, saya tunggu kabarnya ya.",
            "Paket pengganti sudah sampai, makasih min!",
        ],
        replies=["Kak, kami sudah menghubungi hub Semarang; paket tertahan karena label rusak."],
        notes=["Sudah cek ke hub Semarang, label paket sobek sehingga tidak terbaca mesin sortir."],
        tags=["paket-terlambat", "ekspedisi-reguler"],
    ),
    _s(
        team="pengiriman",
        kind="complaint",
        category="mechanical",
        severity="sederhana",
        channels=["email", "portal"],
        subject="Kulkas diterima dalam keadaan penyok",
        description="Selamat siang. Kulkas dua pintu yang saya pesan (BLJ-2026-118902, Rp 4.350.000) "
        "tiba kemarin dengan pintu kanan penyok dan engselnya longgar. Foto terlampir. "
        "Saya minta penggantian unit.",
        facts="Unit kulkas dikirim kurir kargo 12 November, diterima 14 November. Pelanggan "
        "mengirim foto kerusakan pada pintu kanan. Kemasan luar tampak utuh.",
        restatement="Kulkas pesanan BLJ-2026-118902 Anda terima dengan pintu kanan penyok dan engsel "
        "longgar, dan Anda menginginkan unit pengganti. Apakah benar demikian?",
        apology=_apology(
            "Kami mengakui kulkas yang Anda terima rusak dan tidak layak pakai.",
            "Kami akan menukar unit Anda dengan yang baru dan menjemput unit rusak.",
            "Kami meninjau ulang cara pengemasan barang besar bersama mitra kargo.",
        ),
        proposals=[_p("Tukar dengan unit baru; unit rusak dijemput kurir kami.", "replacement")],
        replies=["Kami sudah menjadwalkan penjemputan unit rusak pada Senin pukul 09.00–12.00."],
        notes=["Klaim asuransi kargo diajukan, nomor klaim KRG-7781."],
        tags=["barang-rusak", "kargo"],
    ),
    _s(
        team="pengiriman",
        kind="complaint",
        category="attitudinal",
        severity="sederhana",
        channels=["phone", "whatsapp"],
        root_cause="rude",
        complainer_goal="venting",
        subject="Kurir membentak saat mengantar paket",
        description="Kurirnya tadi marah-marah dan membentak ibu saya cuma karena nunggu 2 menit "
        "buat ambil uang COD. Gak sopan banget, tolong ditegur!",
        facts="Pengantaran COD di Jl. Kaliurang, 15 November pukul 14.20. Kurir atas nama A. "
        "Ibu pelanggan menerima paket. Pelanggan menelepon pukul 15.05 dengan nada marah.",
        restatement="Kurir kami berbicara kasar dan membentak ibu Anda saat pengantaran COD tadi "
        "siang, dan Anda ingin kami menindaklanjutinya. Betul begitu, Bu?",
        apology=_apology(
            "Kami mengakui sikap kurir kami tidak pantas dan menyinggung ibu Anda.",
            "Kami memberi voucher belanja sebagai permohonan maaf kepada keluarga Anda.",
            "Kurir yang bersangkutan mendapat teguran tertulis dan pelatihan ulang.",
        ),
        proposals=[
            _p("Voucher belanja Rp 50.000 dan teguran tertulis untuk kurir.", "voucher", 50000)
        ],
        followups=["Makasih sudah ditanggapi cepat. Semoga gak terulang."],
        replies=["Kami sudah memanggil kurir yang bersangkutan dan koordinator armadanya."],
        notes=["Koordinator armada Cikarang mengonfirmasi kurir A sudah dua kali dilaporkan."],
        tags=["kurir", "sikap-petugas", "cod"],
    ),
    _s(
        team="pengiriman",
        kind="complaint",
        category="service",
        severity="sederhana",
        channels=["instagram", "x", "facebook"],
        root_cause="communication",
        complainer_type="hyperactive",
        complainer_goal="venting",
        response_type="third_party",
        subject="Keluhan publik: resi tidak bisa dilacak",
        description="@belanjaku resi gue BLJ-2026-120045 gak bisa dilacak dari 4 hari lalu. CS "
        "gak bales DM. Parah sih, gak lagi-lagi belanja di sini.",
        facts="Unggahan publik di media sosial pukul 21.10. Resi BLJ-2026-120045 gagal tersinkron "
        "dari sistem mitra ekspedisi sejak 11 November. DM pelanggan tertimbun di antrean.",
        restatement="Kakak tidak bisa melacak resi BLJ-2026-120045 selama empat hari dan pesan "
        "lewat DM belum dibalas, benar begitu?",
        apology=_apology(
            "Kami mengakui pesan Kakak terlambat kami balas dan resi tidak bisa dilacak.",
            "Kami memberi kupon diskon ongkos kirim untuk pesanan berikutnya.",
            "Kami menambah petugas pemantau pesan media sosial di malam hari.",
        ),
        proposals=[
            _p("Kupon gratis ongkir 3 kali dan pembaruan status setiap hari.", "discount", 45000)
        ],
        replies=[
            "Halo Kak, mohon maaf. Kami lanjutkan lewat pesan pribadi agar data Kakak aman ya."
        ],
        notes=["Balas publik dulu, lalu pindah ke DM sesuai alur media sosial."],
        tags=["media-sosial", "resi", "reputasi"],
    ),
    _s(
        team="pengiriman",
        kind="complaint",
        category="service",
        severity="kompleks",
        channels=["phone", "email"],
        root_cause="no_responsibility",
        response_type="third_party",
        complainer_goal="improvement",
        subject="Kurir meminta uang tambahan di luar ongkir (pungli)",
        description="Saya ingin melaporkan kurir yang meminta uang tambahan Rp 20.000 dengan alasan "
        "'biaya naik ke lantai 3'. Ini sudah terjadi tiga kali di apartemen kami. "
        "Kalau tidak ditindak, saya akan lapor ke YLKI.",
        facts="Pelanggan melapor pungutan Rp 20.000 per pengantaran oleh kurir di Apartemen Gading "
        "Mediterania pada 2, 9 dan 14 November. Tidak ada tarif tambahan resmi untuk lantai atas.",
        restatement="Kurir kami memungut Rp 20.000 di luar ongkos kirim di apartemen Anda sebanyak "
        "tiga kali, tanpa dasar tarif resmi. Apakah itu inti laporan Bapak?",
        apology=_apology(
            "Kami mengakui ada pungutan tidak resmi oleh kurir yang mengatasnamakan kami.",
            "Kami mengembalikan seluruh pungutan yang Bapak bayarkan.",
            "Kasus ini kami serahkan ke tim kepatuhan dan kurir dinonaktifkan selama pemeriksaan.",
            responsibility="Kami bertanggung jawab penuh atas perilaku mitra kurir kami.",
        ),
        proposals=[
            _p(
                "Pengembalian Rp 60.000 (tiga kali pungutan) dan laporan hasil pemeriksaan.",
                "refund",
                60000,
            ),
            _p(
                "Pengembalian Rp 60.000 ditambah voucher Rp 100.000 dan laporan tertulis "
                "dalam 7 hari.",
                "voucher",
                160000,
            ),
        ],
        rejection_reason="Pengembalian saja tidak cukup, saya mau ada laporan tertulis dan kompensasi.",
        replies=[
            "Tim kepatuhan sudah memulai pemeriksaan; kami kabari hasilnya paling lambat 7 hari."
        ],
        notes=["Butuh persetujuan supervisor: kasus pungli, kategori kompleks."],
        tags=["pungli", "kepatuhan", "kurir"],
    ),
    _s(
        team="pengiriman",
        kind="complaint",
        category="mechanical",
        severity="penting",
        channels=["phone", "whatsapp"],
        root_cause="not_as_expected",
        complainer_goal="restitution",
        subject="Tabung gas yang diantar bocor dan berbau",
        description="Tolong segera! Tabung gas 12 kg yang baru diantar tadi pagi bocor, baunya "
        "menyengat di dapur. Saya sudah buka jendela dan matikan kompor.",
        facts="Tabung elpiji 12 kg dari pesanan BLJ-2026-121377 diantar pukul 08.15. Pukul 08.40 "
        "pelanggan menelepon: tercium bau gas kuat. Pelanggan sudah mengosongkan dapur.",
        restatement="Tabung gas yang kami antar pagi ini bocor dan rumah Ibu berbau gas; Ibu sudah "
        "membuka jendela dan menjauhkan api. Betul demikian?",
        apology=_apology(
            "Kami mengakui tabung yang kami antar tidak aman dan membahayakan keluarga Ibu.",
            "Kami menukar tabung hari ini juga dan menanggung pemeriksaan instalasi.",
            "Setiap tabung kini diuji kebocoran sebelum keluar dari agen.",
        ),
        proposals=[
            _p(
                "Petugas datang dalam 1 jam membawa tabung pengganti dan memeriksa regulator.",
                "replacement",
            )
        ],
        replies=[
            "Mohon jangan menyalakan api atau saklar listrik. Petugas kami menuju lokasi Ibu."
        ],
        notes=["KESELAMATAN: prioritas tertinggi, agen gas Bekasi sudah dihubungi."],
        tags=["keselamatan", "gas"],
    ),
    _s(
        team="pengiriman",
        kind="inquiry",
        category="",
        severity="",
        channels=["livechat", "whatsapp", "telegram"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Bisa ganti alamat pengiriman setelah bayar?",
        description="Kak, saya salah isi alamat, pesanan BLJ-2026-122010 udah dibayar. Masih bisa "
        "diganti ke alamat kantor gak?",
        facts="Pesanan BLJ-2026-122010 belum diserahkan ke kurir (status 'dikemas').",
        restatement="Kakak ingin mengganti alamat pesanan BLJ-2026-122010 ke alamat kantor, benar?",
        replies=[
            "Bisa, Kak. Karena paket belum diserahkan ke kurir, alamat sudah kami ubah ke "
            "alamat kantor yang Kakak kirim."
        ],
        followups=["Sip, makasih banyak kak!"],
        tags=["alamat"],
    ),
    _s(
        team="pengiriman",
        kind="complaint",
        category="service",
        severity="sederhana",
        channels=["portal", "email"],
        root_cause="communication",
        complainer_type="inactive",
        complainer_goal="improvement",
        subject="Barang salah kirim: pesan sepatu ukuran 42, datang 39",
        description="Saya memesan sepatu lari ukuran 42 (BLJ-2026-119870) tetapi yang datang ukuran "
        "39. Mohon ditukar.",
        facts="Gudang mengemas SKU ukuran 39 karena label rak tertukar. Stok ukuran 42 tersedia.",
        restatement="Sepatu yang Bapak terima berukuran 39, padahal yang dipesan 42, dan Bapak "
        "ingin menukarnya. Betul?",
        apology=_apology(
            "Kami mengakui salah mengirim ukuran sepatu yang Bapak pesan.",
            "Kami kirim ukuran yang benar hari ini dan menjemput yang salah.",
            "Label rak di gudang sudah diperbaiki dan dicek ulang.",
        ),
        proposals=[
            _p("Tukar ke ukuran 42, kurir menjemput ukuran 39 saat mengantar.", "replacement")
        ],
        tags=["salah-kirim", "retur"],
    ),
    # --- Pembayaran ---------------------------------------------------------------------------
    _s(
        team="pembayaran",
        kind="complaint",
        category="mechanical",
        severity="kompleks",
        channels=["email", "phone"],
        root_cause="not_as_expected",
        response_type="third_party",
        subject="Saldo terpotong dua kali Rp 2.499.000",
        description="Yth. Belanjaku, saat checkout laptop (BLJ-2026-117654) transaksi kartu kredit "
        "saya tercatat dua kali masing-masing Rp 2.499.000. Bank menyatakan keduanya "
        "sukses. Mohon pengembalian segera karena limit kartu saya habis.",
        facts="Gateway mencatat dua otorisasi berselang 4 detik karena tombol bayar ditekan saat "
        "halaman lambat. Hanya satu yang terhubung ke pesanan.",
        restatement="Kartu kredit Anda ditagih dua kali Rp 2.499.000 untuk satu pesanan laptop dan "
        "Anda meminta satu tagihan dikembalikan. Apakah benar?",
        apology=_apology(
            "Kami mengakui sistem kami menagih kartu Anda dua kali.",
            "Kami mengembalikan Rp 2.499.000 ke kartu Anda.",
            "Tombol bayar kini terkunci setelah ditekan sekali untuk mencegah tagihan ganda.",
        ),
        proposals=[
            _p("Pembatalan otorisasi kedua, dana kembali 3–7 hari kerja.", "refund", 2499000),
            _p(
                "Pengembalian Rp 2.499.000 dipercepat 1 hari kerja lewat transfer bank "
                "ditambah voucher Rp 100.000.",
                "refund",
                2599000,
            ),
        ],
        rejection_reason="Tujuh hari terlalu lama, limit kartu saya dipakai untuk kebutuhan lain.",
        replies=["Kami sudah meminta bank penerbit membatalkan otorisasi kedua."],
        notes=["Nomor referensi gateway: PG-88123 dan PG-88124. Butuh persetujuan supervisor."],
        tags=["tagihan-ganda", "refund", "kartu-kredit"],
    ),
    _s(
        team="pembayaran",
        kind="complaint",
        category="service",
        severity="sederhana",
        channels=["whatsapp", "livechat"],
        root_cause="ignored",
        complainer_type="hyperactive",
        subject="Refund Rp 349.000 belum masuk 14 hari",
        description="Min refund saya Rp 349.000 udah 14 hari belum masuk juga. Katanya 3 hari kerja. "
        "Udah chat 3x jawabannya cuma 'mohon ditunggu'. Gimana sih??",
        facts="Refund untuk pesanan BLJ-2026-110022 disetujui 1 November, tetapi tertahan karena "
        "nomor rekening tujuan tidak valid (nama tidak cocok).",
        restatement="Refund Rp 349.000 Kakak belum masuk selama 14 hari dan Kakak belum mendapat "
        "penjelasan yang jelas. Benar, Kak?",
        apology=_apology(
            "Kami mengakui Kakak menunggu terlalu lama tanpa penjelasan yang jelas.",
            "Kami transfer ulang hari ini setelah nomor rekening dikonfirmasi.",
            "Kami kini memberi tahu pelanggan otomatis bila data rekening tidak valid.",
        ),
        proposals=[
            _p(
                "Transfer ulang Rp 349.000 hari ini ke rekening yang Kakak konfirmasi.",
                "refund",
                349000,
            )
        ],
        followups=["Rekening saya BCA a.n. sesuai KTP, tolong cepat ya."],
        replies=["Terima kasih, Kak. Dana sudah kami transfer, bukti transfer kami lampirkan."],
        tags=["refund", "rekening"],
    ),
    _s(
        team="pembayaran",
        kind="complaint",
        category="unusual",
        severity="kompleks",
        channels=["email", "portal"],
        root_cause="no_responsibility",
        response_type="third_party",
        complainer_goal="improvement",
        subject="Transaksi yang tidak saya lakukan di akun saya",
        description="Ada tiga transaksi voucher game senilai total Rp 1.500.000 dari akun saya "
        "tadi malam, padahal saya tidak melakukannya. Saya khawatir data saya bocor.",
        facts="Tiga transaksi voucher dari perangkat baru di luar negeri pukul 01.12–01.20. "
        "Kata sandi diganti pukul 01.05 setelah OTP dikirim ke nomor pelanggan.",
        restatement="Ada tiga transaksi Rp 1.500.000 yang tidak Anda lakukan dan Anda khawatir akun "
        "Anda diambil alih. Benar begitu?",
        apology=_apology(
            "Kami mengakui akun Anda disalahgunakan melalui layanan kami.",
            "Kami membekukan akun dan mengembalikan dana sambil menyelidiki.",
            "Kami mewajibkan verifikasi tambahan untuk perangkat baru.",
        ),
        proposals=[
            _p(
                "Pengembalian Rp 1.500.000 dan pemulihan akun dengan verifikasi ulang.",
                "refund",
                1500000,
            )
        ],
        notes=[
            "Kemungkinan SIM swap; koordinasi dengan tim keamanan. Jangan ungkap detail ke publik."
        ],
        tags=["keamanan", "akun", "uu-pdp"],
    ),
    _s(
        team="pembayaran",
        kind="complaint",
        category="service",
        severity="sederhana",
        channels=["livechat", "portal"],
        root_cause="communication",
        complainer_type="active",
        subject="Voucher diskon 50% tidak bisa dipakai",
        description="Voucher HEMAT50 muncul di akun saya tapi waktu checkout katanya 'tidak "
        "memenuhi syarat'. Syaratnya apa sih? Di iklan gak ada keterangan.",
        facts="Voucher HEMAT50 hanya berlaku untuk kategori fesyen; keterangan tidak tampil di "
        "aplikasi versi Android lama.",
        restatement="Voucher HEMAT50 tidak bisa Kakak pakai dan syaratnya tidak dijelaskan, benar?",
        apology=_apology(
            "Kami mengakui syarat voucher tidak tersampaikan dengan jelas.",
            "Kami beri voucher pengganti yang berlaku untuk semua kategori.",
            "Syarat voucher kini tampil di semua versi aplikasi.",
        ),
        proposals=[_p("Voucher pengganti Rp 75.000 tanpa syarat kategori.", "voucher", 75000)],
        tags=["voucher", "promo"],
    ),
    _s(
        team="pembayaran",
        kind="complaint",
        category="service",
        severity="kompleks",
        channels=["email"],
        root_cause="not_as_expected",
        complainer_goal="altruistic",
        response_type="voice",
        subject="Promo hanya diberikan ke pembeli tertentu (tidak adil)",
        description="Saya dan teman membeli barang yang sama di hari yang sama, tetapi teman saya "
        "mendapat cashback 20% sedangkan saya tidak, padahal syaratnya sama. Ini "
        "diskriminatif.",
        facts="Cashback 20% dibatasi untuk 1.000 pembeli pertama; kuota habis pukul 10.02, "
        "pelanggan bertransaksi pukul 10.05. Batas kuota tidak disebut di halaman promo.",
        restatement="Anda tidak mendapat cashback 20% padahal memenuhi syarat yang tertulis, dan "
        "Anda menilai promo itu tidak adil. Betul?",
        apology=_apology(
            "Kami mengakui batas kuota promo tidak kami tulis dengan jelas.",
            "Kami memberi cashback yang sama kepada Anda.",
            "Setiap promo berkuota kini menampilkan sisa kuota secara langsung.",
        ),
        proposals=[
            _p("Cashback 20% (Rp 180.000) dalam bentuk saldo Belanjaku.", "voucher", 180000)
        ],
        notes=["Teruskan ke tim pemasaran: ada 37 keluhan serupa hari ini."],
        tags=["promo", "cashback"],
    ),
    _s(
        team="pembayaran",
        kind="inquiry",
        category="",
        severity="",
        channels=["whatsapp", "email"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Cara bayar pakai transfer bank dan batas waktunya",
        description="Selamat pagi, kalau bayar pakai transfer bank batas waktunya berapa jam ya? "
        "Saya baru bisa ke ATM nanti sore.",
        facts="Pelanggan menanyakan batas waktu pembayaran transfer bank.",
        restatement="Bapak menanyakan batas waktu pembayaran lewat transfer bank, betul?",
        replies=[
            "Selamat pagi, Bapak. Batas waktu transfer bank adalah 24 jam sejak pesanan "
            "dibuat; nomor virtual account tercantum di halaman pesanan."
        ],
        tags=["pembayaran"],
    ),
    _s(
        team="pembayaran",
        kind="request",
        category="",
        severity="",
        channels=["email", "portal"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Permintaan faktur pajak untuk pesanan Oktober",
        description="Mohon diterbitkan faktur pajak atas nama PT Sinar Halim Abadi (NPWP terlampir) "
        "untuk pesanan BLJ-2026-098812 dan BLJ-2026-099001.",
        facts="Dua pesanan Oktober, total Rp 12.400.000, atas nama perusahaan pelanggan.",
        restatement="Bapak meminta faktur pajak untuk dua pesanan Oktober atas nama PT Sinar Halim "
        "Abadi, benar?",
        replies=["Faktur pajak sudah kami terbitkan dan kirim ke email Bapak."],
        tags=["faktur"],
    ),
    _s(
        team="pembayaran",
        kind="complaint",
        category="mechanical",
        severity="sederhana",
        channels=["telegram", "whatsapp"],
        root_cause="not_as_expected",
        subject="Bayar COD tapi status pesanan masih 'belum dibayar'",
        description="Kak saya udah bayar COD ke kurir Rp 215.000 kemarin, tapi di aplikasi masih "
        "belum dibayar dan ada tagihan lagi. Takutnya ditagih dobel.",
        facts="Kurir belum menyetor dana COD ke sistem; status belum diperbarui.",
        restatement="Kakak sudah membayar COD Rp 215.000 tetapi aplikasi masih menagih. Betul?",
        apology=_apology(
            "Kami mengakui status pembayaran Kakak belum diperbarui.",
            "Kami pastikan tidak ada tagihan ganda dan memberi voucher kecil.",
            "Setoran COD kurir kini diverifikasi di hari yang sama.",
        ),
        proposals=[_p("Status dibetulkan hari ini dan voucher Rp 15.000.", "voucher", 15000)],
        tags=["cod", "status-pesanan"],
    ),
    # --- Layanan Teknis ---------------------------------------------------------------------------
    _s(
        team="teknis",
        kind="complaint",
        category="mechanical",
        severity="penting",
        channels=["phone", "whatsapp", "email"],
        root_cause="not_as_expected",
        complainer_goal="restitution",
        response_type="third_party",
        subject="Power bank meledak dan terbakar saat diisi",
        description="Power bank 20.000 mAh yang saya beli dua minggu lalu meledak dan terbakar "
        "saat diisi di kamar anak saya. Kasur sedikit terbakar, untung tidak ada yang "
        "terluka. Saya sangat marah dan takut.",
        facts="Power bank merek mitra, pesanan BLJ-2026-105533. Insiden 16 November pukul 22.00. "
        "Tidak ada korban luka; kasur terbakar sebagian. Pelanggan menyimpan sisa perangkat.",
        restatement="Power bank yang Ibu beli dari kami meledak dan terbakar saat diisi, merusak "
        "kasur, dan tidak ada yang terluka. Benar begitu, Bu?",
        apology=_apology(
            "Kami mengakui produk yang kami jual membahayakan keluarga Ibu.",
            "Kami mengganti uang pembelian dan kerugian kasur, dan menjemput sisa perangkat.",
            "Produk ditarik dari toko sampai hasil uji laboratorium keluar.",
        ),
        proposals=[
            _p(
                "Pengembalian harga power bank Rp 289.000 dan ganti rugi kasur Rp 1.200.000.",
                "refund",
                1489000,
            )
        ],
        replies=[
            "Mohon jangan menggunakan atau mengisi perangkat itu lagi; simpan di tempat aman."
        ],
        notes=[
            "KESELAMATAN: produk di-hold di semua gudang, laporan ke mitra merek sudah dikirim."
        ],
        tags=["keselamatan", "penarikan-produk"],
    ),
    _s(
        team="teknis",
        kind="complaint",
        category="mechanical",
        severity="penting",
        channels=["phone", "livechat"],
        root_cause="not_as_expected",
        subject="Tersetrum saat memakai charger laptop",
        description="Suami saya kesetrum waktu mencolokkan charger laptop yang baru datang, tangannya "
        "kesemutan sampai sekarang. Kabelnya ternyata terkelupas dari dalam kotak.",
        facts="Charger pengganti dari pesanan BLJ-2026-123090 dengan kabel terkelupas di dekat "
        "konektor. Pengguna mengalami sengatan ringan; disarankan periksa ke dokter.",
        restatement="Suami Ibu tersengat listrik dari charger yang kabelnya terkelupas sejak dari "
        "kemasan. Benar, Bu?",
        apology=_apology(
            "Kami mengakui charger yang kami kirim cacat dan berbahaya.",
            "Kami menanggung biaya pemeriksaan dokter dan mengembalikan dana.",
            "Semua charger dari batch ini kami tarik dan periksa.",
        ),
        proposals=[
            _p(
                "Pengembalian dana Rp 350.000 dan penggantian biaya pemeriksaan dokter.",
                "refund",
                650000,
            )
        ],
        notes=["Batch CHG-2211 ditarik; laporan insiden ke tim mutu."],
        tags=["keselamatan", "listrik"],
    ),
    _s(
        team="teknis",
        kind="complaint",
        category="mechanical",
        severity="sederhana",
        channels=["livechat", "portal", "email"],
        root_cause="not_as_expected",
        subject="Aplikasi keluar sendiri saat checkout",
        description="Setiap mau checkout aplikasinya tiba-tiba keluar sendiri. HP saya Android 11. "
        "Udah 3 kali install ulang, sama aja.",
        facts="Crash terjadi pada aplikasi versi 5.12.0 di Android 11 saat memuat metode pembayaran.",
        restatement="Aplikasi selalu keluar sendiri saat checkout di HP Android 11 Kakak, walau sudah "
        "dipasang ulang, betul?",
        apology=_apology(
            "Kami mengakui aplikasi kami gagal di perangkat Kakak.",
            "Kami beri voucher ongkir untuk pesanan yang tertunda.",
            "Perbaikan sudah masuk di versi 5.12.1 dan kami uji di Android 11.",
        ),
        proposals=[
            _p("Pembaruan ke versi 5.12.1 dan voucher gratis ongkir Rp 20.000.", "discount", 20000)
        ],
        replies=["Versi 5.12.1 sudah tersedia di Play Store; mohon diperbarui ya, Kak."],
        tags=["aplikasi", "android"],
    ),
    _s(
        team="teknis",
        kind="complaint",
        category="service",
        severity="sederhana",
        channels=["whatsapp", "telegram", "livechat"],
        root_cause="ignored",
        complainer_type="hyperactive",
        subject="Kode OTP tidak pernah masuk",
        description="OTP gak masuk2 dari tadi pagi, udah minta kirim ulang 10x. Gak bisa login sama "
        "sekali padahal mau bayar tagihan. Tolong!!",
        facts="Operator seluler pelanggan mengalami gangguan pengiriman SMS dari kode pendek kami.",
        restatement="Kakak tidak menerima OTP sejak pagi sehingga tidak bisa masuk ke akun, benar?",
        apology=_apology(
            "Kami mengakui Kakak tidak bisa masuk karena OTP tidak terkirim.",
            "Kami aktifkan OTP lewat WhatsApp untuk akun Kakak.",
            "Kami menambah jalur OTP cadangan bila SMS gagal.",
        ),
        proposals=[_p("Aktivasi OTP melalui WhatsApp hari ini.")],
        tags=["otp", "login"],
    ),
    _s(
        team="teknis",
        kind="complaint",
        category="attitudinal",
        severity="sederhana",
        channels=["phone", "email"],
        root_cause="not_listened",
        complainer_goal="venting",
        complainer_type="active",
        subject="Teknisi servis tidak mendengarkan keluhan saya",
        description="Teknisi yang datang memperbaiki mesin cuci langsung bilang 'ini salah pemakaian' "
        "tanpa mendengar penjelasan saya. Padahal mesin baru dua minggu dan bunyinya "
        "kasar sejak hari pertama.",
        facts="Kunjungan teknisi mitra 13 November. Teknisi menutup laporan sebagai 'kesalahan "
        "pengguna' tanpa memeriksa bantalan drum.",
        restatement="Teknisi menyimpulkan salah pemakaian tanpa mendengar bahwa mesin bermasalah sejak "
        "hari pertama, dan Ibu ingin diperiksa ulang. Benar?",
        apology=_apology(
            "Kami mengakui teknisi kami tidak mendengarkan penjelasan Ibu.",
            "Kami kirim teknisi senior untuk pemeriksaan ulang tanpa biaya.",
            "Formulir kunjungan kini mewajibkan teknisi mencatat keterangan pelanggan.",
        ),
        proposals=[
            _p(
                "Pemeriksaan ulang oleh teknisi senior; bila cacat pabrik, unit diganti.",
                "replacement",
            )
        ],
        tags=["garansi", "teknisi"],
    ),
    _s(
        team="teknis",
        kind="complaint",
        category="service",
        severity="sederhana",
        channels=["email", "portal"],
        root_cause="no_responsibility",
        complainer_type="inactive",
        subject="Klaim garansi ponsel ditolak tanpa alasan",
        description="Klaim garansi ponsel saya (layar berkedip) ditolak pusat servis tanpa penjelasan "
        "tertulis. Saya hanya diberi tahu lisan 'tidak ditanggung'.",
        facts="Pusat servis menolak karena segel garansi dianggap rusak; tidak ada foto atau "
        "berita acara.",
        restatement="Klaim garansi layar ponsel Anda ditolak tanpa alasan tertulis, benar?",
        apology=_apology(
            "Kami mengakui penolakan garansi Anda tidak disertai penjelasan.",
            "Kami minta pemeriksaan ulang dan tanggung ongkos kirim ke pusat servis.",
            "Setiap penolakan garansi kini wajib disertai foto dan alasan tertulis.",
        ),
        proposals=[
            _p("Pemeriksaan ulang dengan berita acara; ongkos kirim kami tanggung.", "none"),
            _p(
                "Perbaikan layar ditanggung Belanjaku bila pemeriksaan ulang tidak jelas.",
                "replacement",
            ),
        ],
        rejection_reason="Saya tidak mau bolak-balik lagi, saya mau langsung diperbaiki.",
        tags=["garansi", "ponsel"],
    ),
    _s(
        team="teknis",
        kind="inquiry",
        category="",
        severity="",
        channels=["livechat", "portal"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Cara mengaktifkan notifikasi pesanan",
        description="Halo, notifikasi status pesanan gak muncul di HP saya. Cara aktifinnya gimana?",
        facts="Izin notifikasi aplikasi nonaktif di pengaturan ponsel pelanggan.",
        restatement="Kakak menanyakan cara menyalakan notifikasi status pesanan, betul?",
        replies=[
            "Buka Pengaturan > Aplikasi > Belanjaku > Notifikasi, lalu aktifkan 'Status "
            "pesanan'. Setelah itu notifikasi akan muncul, Kak."
        ],
        tags=["aplikasi", "notifikasi"],
    ),
    _s(
        team="teknis",
        kind="complaint",
        category="unusual",
        severity="sederhana",
        channels=["email"],
        root_cause="communication",
        complainer_goal="altruistic",
        complainer_type="active",
        response_type="voice",
        subject="Halaman pembayaran menampilkan data pelanggan lain",
        description="Sekadar memberi tahu: tadi di halaman pembayaran sempat muncul nama dan alamat "
        "orang lain selama beberapa detik sebelum berganti ke data saya.",
        facts="Cache CDN sempat menyajikan halaman milik sesi lain selama ±7 menit pukul 19.40.",
        restatement="Anda sempat melihat data pelanggan lain di halaman pembayaran dan ingin "
        "memberi tahu kami. Betul?",
        apology=_apology(
            "Kami mengakui sistem kami sempat menampilkan data yang bukan milik Anda.",
            "Kami berterima kasih dengan memberi voucher apresiasi.",
            "Pengaturan cache sudah diperbaiki dan diaudit tim keamanan.",
        ),
        proposals=[_p("Voucher apresiasi Rp 50.000 atas laporan Anda.", "gift", 50000)],
        notes=["Insiden data: laporkan ke DPO sesuai UU PDP dalam 3x24 jam."],
        tags=["uu-pdp", "keamanan"],
    ),
    # --- Layanan Umum ---------------------------------------------------------------------------
    _s(
        team="umum",
        kind="inquiry",
        category="",
        severity="",
        channels=["whatsapp", "livechat", "telegram"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Cara retur barang yang tidak sesuai",
        description="Kak, cara retur barang gimana ya? Bajunya kekecilan, belum dipakai, label "
        "masih ada.",
        facts="Pesanan fesyen diterima 4 hari lalu; masih dalam masa retur 7 hari.",
        restatement="Kakak ingin meretur baju yang kekecilan dan belum dipakai, betul?",
        replies=[
            "Bisa, Kak. Buka Pesanan Saya > Ajukan Retur, pilih alasan 'ukuran tidak sesuai', "
            "lalu kurir akan menjemput dalam 2 hari kerja."
        ],
        followups=["Udah saya ajukan kak, makasih."],
        tags=["retur"],
    ),
    _s(
        team="umum",
        kind="inquiry",
        category="",
        severity="",
        channels=["phone", "facebook", "instagram"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Jam operasional layanan pelanggan saat libur nasional",
        description="Apakah CS tetap buka saat cuti bersama akhir tahun? Saya mau konfirmasi "
        "pengiriman barang untuk acara keluarga.",
        facts="Pelanggan menanyakan jam layanan saat libur nasional dan cuti bersama.",
        restatement="Ibu menanyakan apakah layanan pelanggan buka saat cuti bersama, betul?",
        replies=[
            "Live chat dan WhatsApp tetap melayani 24 jam; telepon buka pukul 08.00–17.00 WIB "
            "kecuali 25 Desember dan 1 Januari."
        ],
        tags=["jam-operasional"],
    ),
    _s(
        team="umum",
        kind="request",
        category="",
        severity="",
        channels=["email", "portal"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Permintaan penghapusan data pribadi (UU PDP)",
        description="Sesuai UU Pelindungan Data Pribadi, saya meminta seluruh data pribadi saya di "
        "Belanjaku dihapus dan akun saya ditutup.",
        facts="Permintaan penghapusan data dari pemilik akun; identitas diverifikasi lewat email "
        "terdaftar. Tidak ada pesanan aktif.",
        restatement="Anda meminta akun ditutup dan data pribadi Anda dihapus sesuai UU PDP, benar?",
        replies=[
            "Permintaan Anda kami proses dalam 3x24 jam; data transaksi yang wajib disimpan "
            "untuk keperluan pajak akan dianonimkan."
        ],
        tags=["uu-pdp", "privasi"],
    ),
    _s(
        team="umum",
        kind="request",
        category="",
        severity="",
        channels=["phone", "whatsapp"],
        complainer_goal="",
        complainer_type="",
        response_type="",
        root_cause="",
        subject="Ganti nomor HP yang terdaftar di akun",
        description="Nomor HP lama saya hilang, mau ganti ke nomor baru. Gimana caranya ya?",
        facts="Verifikasi identitas dengan email terdaftar dan tiga transaksi terakhir berhasil.",
        restatement="Bapak ingin mengganti nomor HP di akun karena nomor lama hilang, betul?",
        replies=["Nomor HP Bapak sudah kami ganti; silakan masuk dengan nomor baru."],
        tags=["akun"],
    ),
    _s(
        team="umum",
        kind="complaint",
        category="attitudinal",
        severity="sederhana",
        channels=["phone", "walkin", "email", "portal"],
        root_cause="rude",
        complainer_goal="venting",
        complainer_type="active",
        subject="Petugas gerai tidak ramah saat pengambilan barang",
        description="Saya mengambil pesanan di gerai Yogyakarta kemarin. Petugasnya sibuk main HP, "
        "menjawab ketus dan menyuruh saya menunggu di luar saat hujan.",
        facts="Pengambilan di gerai Yogyakarta 15 November pukul 16.30. Gerai sedang ramai; satu "
        "petugas berjaga.",
        restatement="Petugas gerai kami melayani Anda dengan ketus dan membiarkan Anda menunggu di "
        "luar saat hujan. Benar begitu?",
        apology=_apology(
            "Kami mengakui pelayanan di gerai kami jauh dari standar pelayanan prima.",
            "Kami kirim parsel produk sebagai tanda permintaan maaf.",
            "Kepala gerai menambah petugas pada jam sibuk dan menyediakan ruang tunggu.",
        ),
        proposals=[_p("Parsel produk senilai Rp 100.000 dikirim ke alamat Anda.", "gift", 100000)],
        tags=["gerai", "sikap-petugas"],
    ),
    _s(
        team="umum",
        kind="complaint",
        category="service",
        severity="kompleks",
        channels=["email", "phone"],
        root_cause="no_responsibility",
        response_type="third_party",
        complainer_type="hyperactive",
        subject="Keluhan mitra reseller: komisi tiga bulan belum dibayar",
        description="Sebagai mitra reseller, komisi saya Agustus–Oktober senilai Rp 7.850.000 belum "
        "dibayarkan. Sudah lima kali email, dilempar-lempar antar bagian. Saya akan "
        "menempuh jalur hukum bila tidak ada kejelasan minggu ini.",
        facts="Komisi tertahan karena perubahan rekening mitra tidak tercatat di sistem keuangan; "
        "tiket sebelumnya ditutup tanpa penyelesaian oleh dua bagian berbeda.",
        restatement="Komisi Bapak Agustus–Oktober Rp 7.850.000 belum dibayar dan tidak ada yang "
        "bertanggung jawab menyelesaikannya. Benar demikian?",
        apology=_apology(
            "Kami mengakui keluhan Bapak dilempar antar bagian tanpa penyelesaian.",
            "Kami bayarkan komisi penuh dan tambahan kompensasi keterlambatan.",
            "Mulai hari ini satu penanggung jawab memegang kasus mitra sampai selesai.",
        ),
        proposals=[
            _p("Pembayaran komisi Rp 7.850.000 dalam 2 hari kerja.", "refund", 7850000),
            _p(
                "Pembayaran komisi Rp 7.850.000 besok ditambah kompensasi 2% (Rp 157.000).",
                "refund",
                8007000,
            ),
        ],
        rejection_reason="Saya minta ada kompensasi atas keterlambatan tiga bulan ini.",
        notes=["Kasus kompleks: perlu persetujuan supervisor dan tim keuangan."],
        tags=["mitra", "komisi"],
    ),
    _s(
        team="umum",
        kind="complaint",
        category="unusual",
        severity="sederhana",
        channels=["x", "instagram"],
        root_cause="communication",
        complainer_type="active",
        complainer_goal="improvement",
        response_type="voice",
        subject="Iklan menyebut 'gratis ongkir seluruh Indonesia' padahal Papua tidak",
        description="Iklan kalian bilang gratis ongkir seluruh Indonesia, tapi di Jayapura tetap "
        "kena ongkir Rp 85.000. Tolong iklannya dibenerin.",
        facts="Syarat promo mengecualikan Papua dan Maluku, tetapi iklan tidak menyebutnya.",
        restatement="Kakak dikenai ongkir di Jayapura padahal iklan menyebut gratis ongkir seluruh "
        "Indonesia, betul?",
        apology=_apology(
            "Kami mengakui iklan kami menyesatkan bagi pelanggan di Papua.",
            "Kami kembalikan ongkos kirim yang sudah Kakak bayar.",
            "Iklan sudah diperbaiki dan promo berikutnya berlaku sama untuk semua wilayah.",
        ),
        proposals=[_p("Pengembalian ongkir Rp 85.000 ke saldo Belanjaku.", "refund", 85000)],
        tags=["promo", "ongkir", "papua"],
    ),
]

CONFIRMATION_ANSWERS = [
    "Iya betul, kak.",
    "Benar, itu masalahnya.",
    "Ya, tepat sekali.",
    "Betul, Mbak. Tolong segera dibantu.",
    "Iya min, bener.",
    "Ya, begitu. Saya tunggu solusinya.",
]

THANKS_MESSAGES = [
    "Terima kasih telah menerima solusi kami dan atas kesabaran Anda. Semoga pengalaman "
    "berbelanja Anda berikutnya menyenangkan.",
    "Terima kasih, Kak. Kami senang masalahnya sudah selesai. Jika ada hal lain, kami siap "
    "membantu 24 jam.",
    "Terima kasih atas masukan Anda; laporan ini membantu kami memperbaiki layanan.",
    "Terima kasih sudah memberi kami kesempatan memperbaiki kesalahan. Sebagai wujud pelayanan "
    "prima, kami akan terus memantau pesanan Anda berikutnya.",
    "Terima kasih, Bapak/Ibu. Kasus ini kami tutup; balas pesan ini bila masih ada kendala.",
    "Terima kasih telah mempercayakan belanja Anda kepada Belanjaku. Salam hangat dari tim "
    "layanan pelanggan.",
]

RESOLUTION_REASONS = [
    "Pelanggan tidak lagi merespons setelah tiga kali tindak lanjut dalam 7 hari.",
    "Ternyata terjadi salah paham; penjelasan kami diterima pelanggan tanpa kompensasi.",
    "Masalah selesai dengan sendirinya (paket diterima) dan pelanggan menyatakan puas.",
    "Pelanggan mencabut keluhan setelah mendapat penjelasan.",
    "Solusi dijalankan sesuai kebijakan standar; pelanggan diberi tahu lewat telepon.",
]

# Survey comments customers leave (surveys after resolution and the NPS question).
SURVEY_COMMENTS = {
    "good": [
        "Cepat dan ramah, terima kasih Kak!",
        "Masalah saya langsung beres, mantap.",
        "Petugasnya sabar menjelaskan, saya jadi paham.",
        "Refund masuk sesuai janji. Puas.",
        "Terima kasih sudah dikabari terus perkembangannya.",
        "",
        "",
    ],
    "bad": [
        "Harus menghubungi tiga kali baru ada yang menanggapi.",
        "Jawabannya template terus, masalah saya tidak dibaca.",
        "Paketnya sampai, tapi lama sekali prosesnya.",
        "Kompensasinya tidak sebanding dengan kerugian saya.",
        "Saya dioper ke sana kemari, capek.",
    ],
    "nps": [
        "Sudah langganan lama, pelayanannya konsisten.",
        "Harga bersaing, tapi pengiriman sering telat.",
        "Aplikasinya sering error waktu bayar.",
        "CS-nya responsif, saya rekomendasikan ke keluarga.",
        "",
    ],
}
