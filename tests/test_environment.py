from gilbench.environment import cpu_model_from_cpuinfo

HIDDEN = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC

processor\t: 1
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
"""


def test_a_name_without_a_model_number_gets_the_family_and_model() -> None:
    assert cpu_model_from_cpuinfo(HIDDEN) == "AMD EPYC (family 26, model 2)"


def test_a_full_name_is_kept_as_it_is() -> None:
    full = "cpu family\t: 6\nmodel\t\t: 106\nmodel name\t: Intel(R) Xeon(R) Platinum 8375C CPU\n"
    assert cpu_model_from_cpuinfo(full) == "Intel(R) Xeon(R) Platinum 8375C CPU"


def test_arm_names_its_hardware_after_the_processors() -> None:
    arm = "processor\t: 0\nBogoMIPS\t: 108.00\n\nprocessor\t: 1\n\nHardware\t: BCM2835\n"
    assert cpu_model_from_cpuinfo(arm) == "BCM2835"
    assert cpu_model_from_cpuinfo("processor\t: 0\n") is None
