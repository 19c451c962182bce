"""The canned responses every new Sigap starts with (data migration 0002).

Written for the procedure of DOMAIN.md: confirm before answering, apologise with the 5 R,
explain, propose, thank. Placeholders: see ``canned.PLACEHOLDERS``.
"""

CANNED: list[tuple[str, str, str]] = [
    (
        "confirmation",
        "Konfirmasi masalah",
        "Halo Kak {nama_depan},\n\n"
        "Terima kasih sudah menghubungi kami. Agar kami tidak salah menangkap, izinkan kami "
        "mengulang masalah yang Kakak sampaikan: {subjek}.\n\n"
        "Apakah benar demikian? Mohon balas pesan ini untuk membenarkan atau melengkapi, "
        "supaya kami bisa langsung menindaklanjutinya. Nomor tiket Kakak adalah "
        "{nomor_tiket}.\n\nSalam,\n{agen}",
    ),
    (
        "confirmation",
        "Minta data tambahan",
        "Halo Kak {nama_depan},\n\n"
        "Untuk memeriksa tiket {nomor_tiket}, kami memerlukan beberapa data tambahan: nomor "
        "pesanan, tanggal transaksi, dan foto atau tangkapan layar bila ada. Begitu data "
        "kami terima, kami langsung memprosesnya.\n\nTerima kasih atas bantuannya,\n{agen}",
    ),
    (
        "apology",
        "Permintaan maaf (5R)",
        "Halo Kak {nama_depan},\n\n"
        "Kami memahami betapa tidak nyamannya kejadian ini bagi Kakak, dan kami mengakui "
        "bahwa layanan kami tidak sesuai dengan yang seharusnya. "
        "Ini tanggung jawab kami, dan kami tidak akan melemparkannya ke pihak lain. "
        "Kami sungguh menyesal dan memohon maaf atas ketidaknyamanan yang Kakak alami. "
        "Sebagai bentuk tanggung jawab, kami akan menindaklanjuti tiket {nomor_tiket} paling "
        "lambat {tenggat}. "
        "Kami juga sudah mencatat kejadian ini agar tidak terulang kembali.\n\n"
        "Hormat kami,\n{agen}",
    ),
    (
        "explanation",
        "Penjelasan: sedang diproses",
        "Halo Kak {nama_depan},\n\n"
        "Kami ingin mengabarkan perkembangan tiket {nomor_tiket}. Saat ini tim {tim} sedang "
        "memeriksa masalahnya. Kami akan memberi kabar lagi paling lambat {tenggat}, atau "
        "lebih cepat bila sudah ada hasil.\n\nTerima kasih atas kesabarannya,\n{agen}",
    ),
    (
        "explanation",
        "Penjelasan: keterlambatan pengiriman",
        "Halo Kak {nama_depan},\n\n"
        "Kami sudah mengecek ke pihak kurir: paket Kakak tertahan di gudang transit karena "
        "volume kiriman sedang tinggi. Kurir menjadwalkan pengiriman ulang dalam 1–2 hari "
        "kerja. Kami akan memantau sampai paket diterima dan mengabari Kakak di tiket "
        "{nomor_tiket}.\n\nSalam,\n{agen}",
    ),
    (
        "proposal",
        "Usulan solusi",
        "Halo Kak {nama_depan},\n\n"
        "Sebagai penyelesaian untuk tiket {nomor_tiket}, kami menawarkan solusi yang dapat "
        "Kakak lihat di halaman tiket. Silakan pilih Terima bila Kakak setuju, atau Tolak "
        "dan sampaikan keinginan Kakak, supaya kami bisa mencari jalan keluar lain.\n\n"
        "Salam,\n{agen}",
    ),
    (
        "thanks",
        "Terima kasih atas masukan",
        "Halo Kak {nama_depan},\n\n"
        "Terima kasih sudah menyampaikan keluhan ini kepada kami. Masukan Kakak membantu "
        "kami memperbaiki layanan untuk semua pelanggan. Tiket {nomor_tiket} kami tandai "
        "selesai; bila masih ada yang kurang, cukup balas pesan ini.\n\n"
        "Salam hangat,\n{agen}",
    ),
    (
        "other",
        "Menunggu balasan pelanggan",
        "Halo Kak {nama_depan},\n\n"
        "Kami masih menunggu kabar dari Kakak untuk tiket {nomor_tiket}. Bila dalam 3 hari "
        "kami belum menerima balasan, tiket ini akan kami anggap selesai. Kakak tetap bisa "
        "membukanya kembali dengan membalas pesan ini.\n\nSalam,\n{agen}",
    ),
]

# The five parts of an apology (5 R), offered as the apology form's starting text.
APOLOGY_5R: dict[str, str] = {
    # The subject is a title the customer or an agent typed ("Paket belum sampai sejak
    # seminggu"): quoted after "masalah", never mid-sentence as if it were a noun phrase.
    "recognition": 'Terima kasih sudah menyampaikan masalah "{subjek}" kepada kami. Kami '
    "memahami hal ini sangat merepotkan Kakak, dan layanan kami tidak sesuai dengan yang "
    "seharusnya.",
    "responsibility": "Ini tanggung jawab kami sepenuhnya; kami tidak akan melemparkannya ke "
    "pihak lain.",
    "remorse": "Kami sungguh menyesal dan memohon maaf atas ketidaknyamanan ini, Kak {nama_depan}.",
    "restitution": "Kami akan menindaklanjuti tiket {nomor_tiket} dan memberi kabar paling "
    "lambat {tenggat}.",
    "repetition": "Kejadian ini sudah kami catat dan kami teruskan ke tim terkait agar tidak "
    "terulang.",
}
# Restitution when the ticket has no resolution deadline (no SLA policy applies).
APOLOGY_RESTITUTION_NO_DUE = (
    "Kami akan menindaklanjuti tiket {nomor_tiket} dan segera memberi kabar."
)
